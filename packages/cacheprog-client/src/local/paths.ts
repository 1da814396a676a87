import { homedir } from "node:os";
import { join, resolve } from "node:path";

type Env = Readonly<Record<string, string | undefined>>;

/** Go's os.UserCacheDir, which go uses for its default GOCACHE. */
function userCacheDir(env: Env): string {
  if (process.platform === "win32") return env.LocalAppData ?? join(homedir(), "AppData", "Local");
  if (process.platform === "darwin") return join(env.HOME ?? homedir(), "Library", "Caches");
  const xdg = env.XDG_CACHE_HOME;
  if (xdg?.startsWith("/")) return xdg;
  return join(env.HOME ?? homedir(), ".cache");
}

/**
 * `<GOCACHE>/gocacheprog`. go passes its effective GOCACHE in our environment, and keeping every
 * DiskPath under that prefix makes `go build -o x.a ./lib` copy the cached file instead of moving
 * it away. `go clean -cache` only removes GOCACHE's two-hex-digit shards, so this folder survives it.
 */
export function defaultCacheDir(env: Env): string {
  const gocache = env.GOCACHE;
  const base = gocache && gocache !== "off" ? gocache : join(userCacheDir(env), "go-build");
  return resolve(base, "gocacheprog");
}
