import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The Go module every go-driving e2e test builds. */
export const goModDir = path.join(repoRoot, "test/gomod");

/** The bundled `gocacheprog` client; it has a shebang, so go can exec it directly as GOCACHEPROG. */
export const clientBin = path.join(repoRoot, "packages/cacheprog-client/dist/gocacheprog.cjs");

/** The bundle clientBin runs (after turning on Node's compile cache): self-contained, runnable alone. */
export const clientBundle = path.join(repoRoot, "packages/cacheprog-client/dist/client.cjs");

/** The bundled server entry point, run with `node`. */
export const serverMain = path.join(repoRoot, "packages/server/dist/main.js");

export interface BuiltArtifact {
  /** npm workspace name, for `npm run build -w <workspace>`. */
  workspace: string;
  /** Workspace directory (repo-root relative); its src/ (and common's) decide whether the artifact is stale. */
  workspaceDir: string;
  file: string;
}

/** What the e2e suite needs built before it starts; global-setup builds whatever is missing or stale. */
export const builtArtifacts: BuiltArtifact[] = [
  { workspace: "gocacheprog", workspaceDir: "packages/cacheprog-client", file: clientBin },
  { workspace: "gocacheprog-server", workspaceDir: "packages/server", file: serverMain },
];
