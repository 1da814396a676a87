import { homedir } from "node:os";
import { isAbsolute, join, resolve, sep } from "node:path";

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
 * it away. go compares the strings as they are (work/shell.go, moveOrCopyFile: strings.HasPrefix
 * with GOCACHE uncleaned), so a GOCACHE such as `/ci//gocache` is extended, never normalised.
 * `go clean -cache` only removes GOCACHE's two-hex-digit shards, so this folder survives it.
 */
export function defaultCacheDir(env: Env): string {
  const gocache = env.GOCACHE;
  if (gocache && gocache !== "off" && isAbsolute(gocache)) return `${gocache}${gocache.endsWith(sep) ? "" : sep}gocacheprog`;
  // go's own default, which it builds with filepath.Join (cleaned).
  return resolve(userCacheDir(env), "go-build", "gocacheprog");
}

/** The client directory: --dir (a relative one from the working directory), else the default. */
export function clientDirFrom(dir: string | undefined, env: Env): string {
  if (dir === undefined) return defaultCacheDir(env);
  return isAbsolute(dir) ? dir : resolve(dir);
}
