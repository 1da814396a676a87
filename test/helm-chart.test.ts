// The Helm chart infra/helm/gocacheprog-server, statically: `helm lint --strict` and `helm template` with the
// chart's ci/ values files (from the Go module proxy's helm, no cluster), every rendered object decoded
// strictly into the Kubernetes API types (test/k8s-validate), and what the objects must say to each other.
// infra-run.test.ts starts the server the way the rendered Deployment and CronJob do.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serverOptionDefs } from "../packages/server/src/ops/config.ts";
import { repoRoot } from "./harness/bins.ts";
import {
  byKind,
  chartDir,
  chartRefusal,
  execForm,
  helmBin,
  instructions,
  type K8sObject,
  readDockerfile,
  renderChart,
  type Stage,
  validateObjects,
} from "./infra/files.ts";

const VALUES = [
  "ci/shared-values.yaml",
  "ci/sentinel-values.yaml",
  "ci/cluster-values.yaml",
  "ci/embedded-values.yaml",
  "ci/oidc-values.yaml",
];
const serverEnvNames = new Set<string>(Object.values(serverOptionDefs).map((d) => d.env));
const imageCmd = execForm(instructions(readDockerfile("infra/server.Dockerfile").at(-1) as Stage, "CMD")[0]?.args ?? "");
const appVersion = /^appVersion:\s*"?([^"\s]+)"?/m.exec(readFileSync(join(chartDir, "Chart.yaml"), "utf8"))?.[1];

const pod = (o: K8sObject) => (o.kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

describe.each(VALUES)("chart with %s", (values) => {
  const objects = renderChart([values]);

  it("passes helm lint --strict", () => {
    const lint = spawnSync(helmBin, ["lint", "--strict", chartDir, "-f", join(chartDir, values)], { encoding: "utf8" });
    expect(lint.stdout + lint.stderr, values).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(lint.status).toBe(0);
  });

  it("renders objects that decode strictly into the Kubernetes API types", () => {
    const results = validateObjects(objects);
    expect(results.filter((r) => r.status === "invalid")).toEqual([]);
    // Only the Prometheus Operator's CRD is outside the built-in API (checked by hand below).
    expect(results.filter((r) => r.status === "unknown").map((r) => r.kind)).toEqual(
      objects.some((o) => o.kind === "ServiceMonitor") ? ["ServiceMonitor"] : [],
    );
  });

  it("runs the image's command as non-root on a read-only root, with known settings and secrets that exist", () => {
    const configMap = byKind(objects, "ConfigMap");
    const secrets = objects.filter((o) => o.kind === "Secret");
    for (const workload of objects.filter((o) => o.kind === "Deployment" || o.kind === "CronJob")) {
      const spec = pod(workload);
      const [container] = spec.containers;
      expect(container.command).toEqual(workload.kind === "CronJob" ? [...imageCmd.slice(0, -1), "gc"] : imageCmd);
      expect(container.image).toBe(`ghcr.io/gocacheprog/gocacheprog-server:${appVersion}`);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
      for (const entry of container.env ?? []) {
        const ref = entry.valueFrom.secretKeyRef;
        const own = secrets.find((s) => s.metadata.name === ref.name);
        // A Secret the chart renders must hold the key; an existing one is the operator's (named in values).
        if (own) expect(Object.keys(own.stringData), `${entry.name}`).toContain(ref.key);
        if (entry.name.startsWith("GOCACHEPROG_SERVER_")) expect(serverEnvNames, entry.name).toContain(entry.name);
      }
      const tokens = spec.volumes.find((v: { name: string }) => v.name === "tokens");
      const mount = container.volumeMounts.find((m: { name: string }) => m.name === "tokens");
      if (tokens) {
        expect(tokens.secret.optional).toBeUndefined();
        expect(`${mount.mountPath}/${tokens.secret.items[0].path}`).toBe(configMap.data.GOCACHEPROG_SERVER_TOKENS_FILE);
      } else {
        // OIDC only: no file to read. Empty, not absent: the image's ENV names a default path.
        expect(mount).toBeUndefined();
        expect(configMap.data.GOCACHEPROG_SERVER_TOKENS_FILE).toBe("");
      }
    }
    for (const name of Object.keys(configMap.data))
      if (name.startsWith("GOCACHEPROG_SERVER_")) expect(serverEnvNames, name).toContain(name);
  });

  it("serves metrics on their own port, which only metricsFrom may reach and no Ingress routes to", () => {
    const configMap = byKind(objects, "ConfigMap");
    const container = pod(byKind(objects, "Deployment")).containers[0];
    expect(container.ports).toEqual([
      { name: "http", containerPort: 8080 },
      { name: "metrics", containerPort: 9090 },
    ]);
    expect(configMap.data.GOCACHEPROG_SERVER_LISTEN).toBe("0.0.0.0:8080");
    expect(configMap.data.GOCACHEPROG_SERVER_METRICS_LISTEN).toBe("0.0.0.0:9090");
    const policy = byKind(objects, "NetworkPolicy");
    const rules = policy.spec.ingress as { ports: { port: string }[]; from?: unknown[] }[];
    expect(rules.map((r) => r.ports.map((p) => p.port))).toEqual([["http"], ["metrics"]]);
    expect(rules[1]?.from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
    expect(policy.spec.podSelector.matchLabels).toEqual(byKind(objects, "Deployment").spec.selector.matchLabels);
    for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
      for (const rule of ingress.spec.rules)
        for (const path of rule.http.paths) expect(path.backend.service.port).toEqual({ name: "http" });
    }
  });

  it("drains before it stops and rolls the pods when settings or the chart's Secret change", () => {
    const deployment = byKind(objects, "Deployment");
    const spec = pod(deployment);
    const [container] = spec.containers;
    const sleep = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe("sleep");
    const drain = Number.parseInt(byKind(objects, "ConfigMap").data.GOCACHEPROG_SERVER_SHUTDOWN_TIMEOUT, 10);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + drain);
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    const annotations = (set: Record<string, string>) =>
      byKind(renderChart([values], set), "Deployment").spec.template.metadata.annotations;
    const before = deployment.spec.template.metadata.annotations;
    expect(annotations({ "server.logLevel": "debug" })["checksum/config"]).not.toBe(before["checksum/config"]);
    expect(
      annotations({ "auth.tokens.inline": "0123456789abcdef0123 read ci", "auth.tokens.existingSecret": "" })["checksum/secret"],
    ).not.toBe(before["checksum/secret"]);
  });
});

describe("chart shapes", () => {
  it("shared store: replicas spread and scaled by the HPA, gc once from the CronJob, TLS Ingress, ServiceMonitor", () => {
    const objects = renderChart(["ci/shared-values.yaml"]);
    const deployment = byKind(objects, "Deployment");
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns it
    const hpa = byKind(objects, "HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(byKind(objects, "PodDisruptionBudget").spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(byKind(objects, "ConfigMap").data.GOCACHEPROG_SERVER_GC_INTERVAL).toBe("0");
    expect(byKind(objects, "CronJob").spec.concurrencyPolicy).toBe("Forbid");
    const service = byKind(objects, "Service");
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const ingress = byKind(objects, "Ingress");
    expect(ingress.spec.tls).toEqual([{ secretName: "gocache-tls", hosts: ["gocache.example.com"] }]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(service.metadata.name);
    const monitor = byKind(objects, "ServiceMonitor");
    expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(monitor.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "30s" }]);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toEqual(["http", "metrics"]);
    // The HPA runs several pods whatever replicaCount says: they spread over nodes either way.
    for (const replicaCount of ["3", "1"]) {
      const spread = pod(byKind(renderChart(["ci/shared-values.yaml"], { replicaCount }), "Deployment")).topologySpreadConstraints;
      expect(spread?.[0]?.topologyKey, `replicaCount ${replicaCount}`).toBe("kubernetes.io/hostname");
    }
  });

  it("embedded default: one pod on a kept volume, recreated on rollout, collecting by itself", () => {
    const objects = renderChart(["ci/embedded-values.yaml"]);
    const deployment = byKind(objects, "Deployment");
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
    const claim = byKind(objects, "PersistentVolumeClaim");
    expect(claim.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    expect(pod(deployment).volumes.find((v: { name: string }) => v.name === "data").persistentVolumeClaim.claimName).toBe(
      claim.metadata.name,
    );
    expect(objects.map((o) => o.kind)).not.toContain("CronJob");
    expect(byKind(objects, "ConfigMap").data.GOCACHEPROG_SERVER_GC_INTERVAL).toBeUndefined();
  });

  it("OIDC only: no tokens volume and no tokens file for the server or the gc job, so nothing reads a missing file", () => {
    for (const objects of [
      renderChart(["ci/oidc-values.yaml"]),
      renderChart(["ci/oidc-values.yaml"], { "s3.bucket": "b", "redis.url": "redis://r:6379" }),
    ]) {
      const configMap = byKind(objects, "ConfigMap");
      expect(configMap.data.GOCACHEPROG_SERVER_TOKENS_FILE).toBe("");
      expect(configMap.data.GOCACHEPROG_SERVER_OIDC_ISSUERS).toBe("https://token.actions.githubusercontent.com");
      for (const workload of objects.filter((o) => o.kind === "Deployment" || o.kind === "CronJob")) {
        const spec = pod(workload);
        expect(
          spec.volumes.map((v: { name: string }) => v.name),
          workload.kind,
        ).not.toContain("tokens");
        expect(
          spec.containers[0].volumeMounts.map((m: { name: string }) => m.name),
          workload.kind,
        ).not.toContain("tokens");
      }
    }
    // With tokens as well, the file is mounted and required.
    const both = renderChart(["ci/cluster-values.yaml"]);
    expect(byKind(both, "ConfigMap").data.GOCACHEPROG_SERVER_TOKENS_FILE).toBe("/etc/gocacheprog/tokens");
  });

  it("single pod: the outputs' and the module files' budgets fit the volume; /tmp holds a few module zips", () => {
    const objects = renderChart(["ci/embedded-values.yaml"]);
    const data = byKind(objects, "ConfigMap").data;
    const bytes = (text: string) => {
      const m = /^(\d+)(B|KiB|MiB|GiB|TiB|Ki|Mi|Gi|Ti)?$/.exec(text);
      if (!m) throw new Error(`unexpected size ${text}`);
      const unit = (m[2] ?? "B").replace(/i?B$|i$/, "");
      return Number(m[1]) * 1024 ** ["", "K", "M", "G", "T"].indexOf(unit);
    };
    const volume = bytes(byKind(objects, "PersistentVolumeClaim").spec.resources.requests.storage);
    expect(bytes(data.GOCACHEPROG_SERVER_MAX_SIZE) + bytes(data.GOCACHEPROG_SERVER_GOMOD_MAX_SIZE)).toBeLessThan(volume);
    const tmp = pod(byKind(objects, "Deployment")).volumes.find((v: { name: string }) => v.name === "tmp");
    expect(bytes(tmp.emptyDir.sizeLimit)).toBeGreaterThanOrEqual(3 * bytes(data.GOCACHEPROG_SERVER_GOMOD_ZIP_MAX));
    expect(pod(byKind(renderChart(["ci/embedded-values.yaml"], { tmpSize: "5Gi" }), "Deployment")).volumes).toContainEqual({
      name: "tmp",
      emptyDir: { sizeLimit: "5Gi" },
    });
  });

  it("Sentinel and Cluster: their settings, and the password from a Secret", () => {
    const sentinel = renderChart(["ci/sentinel-values.yaml"]);
    expect(byKind(sentinel, "ConfigMap").data).toMatchObject({
      GOCACHEPROG_SERVER_REDIS_SENTINELS: "redis-sentinel-0.redis:26379,redis-sentinel-1.redis:26379,redis-sentinel-2.redis:26379",
      GOCACHEPROG_SERVER_REDIS_SENTINEL_NAME: "mymaster",
    });
    const env = pod(byKind(sentinel, "Deployment")).containers[0].env;
    expect(env).toEqual([
      {
        name: "GOCACHEPROG_SERVER_REDIS_PASSWORD",
        valueFrom: { secretKeyRef: { name: "gocacheprog-gocacheprog-server", key: "redis-password" } },
      },
    ]);
    const cluster = renderChart(["ci/cluster-values.yaml"]);
    expect(byKind(cluster, "ConfigMap").data.GOCACHEPROG_SERVER_REDIS_CLUSTER_NODES).toContain("redis-cluster-0.redis:6379");
    expect(byKind(cluster, "ServiceAccount").metadata.annotations?.["eks.amazonaws.com/role-arn"]).toMatch(/^arn:aws:iam::/);
    // No static S3 keys: IRSA through the service account.
    expect(JSON.stringify(pod(byKind(cluster, "Deployment")).containers[0].env)).not.toContain("AWS_");
  });

  it("refuses values that could not work, saying what to set", () => {
    expect(chartRefusal({})).toContain("auth.tokens.existingSecret");
    expect(chartRefusal({ "auth.oidc.enabled": "true" })).toContain("GOCACHEPROG_SERVER_OIDC_ISSUERS");
    expect(chartRefusal({ "auth.tokens.existingSecret": "t", replicaCount: "3" })).toContain("one replica");
    expect(chartRefusal({ "auth.tokens.existingSecret": "t", "s3.bucket": "b" })).toContain("shared index");
    expect(chartRefusal({ "auth.tokens.existingSecret": "t", "redis.mode": "ring" })).toMatch(/redis.mode.*standalone.*sentinel.*cluster/);
    // values.schema.json: a misspelled key or a wrong type is an error, not a silently ignored value.
    expect(chartRefusal({ "auth.tokens.existingSecret": "t", "s3.buckt": "b" })).toContain("additional properties 'buckt' not allowed");
    expect(chartRefusal({ "auth.tokens.existingSecret": "t", replicaCount: "two" })).toContain("/replicaCount");
  });

  it("keeps its version with the packages (the release gate checks the tag against both)", () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, "packages/server/package.json"), "utf8")) as { version: string }).version;
    expect(appVersion).toBe(version);
    expect(readFileSync(join(chartDir, "Chart.yaml"), "utf8")).toMatch(new RegExp(`^version: ${version.replaceAll(".", "\\.")}$`, "m"));
  });
});
