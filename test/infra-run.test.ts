// Runs what the deployable files run, translated to loopback ports and temp dirs (no Docker engine
// here): the server image's install + CMD + ENV + HEALTHCHECK, the compose stack's Redis, S3 and server,
// and the Helm chart's Deployment (command, ConfigMap, Secret, probes, metrics port) and gc CronJob.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { sha256Hex } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./harness/bins.ts";
import { type SpawnedServer, spawnServer, stopProcess, tcpExchange, waitUntil } from "./harness/child-server.ts";
import { getFreePort } from "./harness/ports.ts";
import { startRedis } from "./harness/redis.ts";
import { removeScratch } from "./harness/scratch.ts";
import { startVersitygw, VERSITYGW_BIN } from "./harness/versitygw.ts";
import {
  byKind,
  execForm,
  instructions,
  interpolate,
  keyValues,
  readDockerfile,
  readYaml,
  renderChart,
  type Stage,
} from "./infra/files.ts";

const work = mkdtempSync(join(tmpdir(), "gcp-infra-run-"));
const token = `infra-${randomBytes(16).toString("hex")}`;
const tokensFile = join(work, "tokens");
writeFileSync(tokensFile, `${token} read-write team\n`);
const stages = readDockerfile("infra/server.Dockerfile");
const finalStage = stages.at(-1) as Stage;
const imageCmd = execForm(instructions(finalStage, "CMD")[0]?.args ?? "");
const imageEnv = Object.fromEntries(keyValues(finalStage, "ENV"));
const healthcheck = execForm(instructions(finalStage, "HEALTHCHECK")[0]?.args ?? "");
const started: SpawnedServer[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const s of started) await stopProcess(s.child);
  for (const cleanup of cleanups) await cleanup();
  removeScratch(work);
});

/** Paths inside the image mapped onto this machine; the image's /app mirrors the repository layout. */
function localEnv(env: Record<string, string>, port: number, appDir: string, hosts: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: work };
  for (const [key, value] of Object.entries(env)) {
    let local = value.replace(/^\/app\b/, appDir);
    for (const [from, to] of Object.entries(hosts)) local = local.replace(from, to);
    out[key] = local;
  }
  out["GOCACHEPROG_SERVER_LISTEN"] = `127.0.0.1:${port}`;
  out["GOCACHEPROG_SERVER_DATA_DIR"] = mkdtempSync(join(work, "data-"));
  out["GOCACHEPROG_SERVER_TOKENS_FILE"] = tokensFile;
  return out;
}

async function startServer(command: string[], env: Record<string, string>, cwd: string): Promise<string> {
  const [, ...args] = command.map((a) => a.replace(/^packages\//, `${cwd}/packages/`));
  expect(command[0]).toBe("node");
  const server = spawnServer(process.execPath, args, env);
  started.push(server);
  const url = `http://${env["GOCACHEPROG_SERVER_LISTEN"]}`;
  await waitUntil("gocacheprog-server", server, async () => (await fetch(`${url}/healthz`)).ok);
  return url;
}

/** A PUT then GET of an output too big to be inlined in the index, so it must go through the blob store. */
async function roundTrip(url: string): Promise<void> {
  const body = randomBytes(64 * 1024);
  const action = randomBytes(32).toString("hex");
  const auth = { authorization: `Bearer ${token}` };
  const put = await fetch(`${url}/v1/actions/${action}`, {
    method: "PUT",
    headers: { ...auth, "x-gocacheprog-output-id": sha256Hex(body), "content-length": String(body.length) },
    body,
  });
  expect(put.status).toBe(201);
  const get = await fetch(`${url}/v1/actions/${action}`, { headers: auth });
  expect(get.status).toBe(200);
  expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
}

describe("server image: production install, CMD, ENV and HEALTHCHECK", () => {
  const appDir = join(work, "app");

  beforeAll(() => {
    mkdirSync(appDir);
    const copyInto = (from: string, dest: string) => {
      const target = dest.endsWith("/") ? join(appDir, dest, from.split("/").at(-1) as string) : join(appDir, dest);
      cpSync(join(repoRoot, from), target, { recursive: true });
    };
    for (const copy of instructions(stages[0] as Stage, "COPY")) {
      const parts = copy.args.split(/\s+/);
      for (const source of parts.slice(0, -1)) copyInto(source, parts.at(-1) as string);
    }
    const install = instructions(stages.find((s) => s.name === "prod-deps") as Stage, "RUN")[0]?.args ?? "";
    const npm = spawnSync("sh", ["-c", install], { cwd: appDir, encoding: "utf8" });
    if (npm.status !== 0) throw new Error(`${install} failed:\n${npm.stderr}`);
    for (const copy of instructions(finalStage, "COPY")) {
      const [source = "", dest = ""] = copy.args.split(/\s+/);
      if (copy.flags.includes("from=build")) copyInto(source.replace(/^\/app\//, ""), dest);
      else if (!copy.flags.some((f) => f.startsWith("from="))) copyInto(source, dest);
    }
  });

  it("has no dev dependency in node_modules, only what the server needs", () => {
    expect(existsSync(join(appDir, "node_modules/hono"))).toBe(true);
    for (const dev of ["vitest", "esbuild", "typescript", "@biomejs"])
      expect(existsSync(join(appDir, "node_modules", dev)), dev).toBe(false);
  });

  it("serves /healthz and /readyz and passes its HEALTHCHECK, which fails once the server is gone", async () => {
    const env = localEnv(imageEnv, await getFreePort(), appDir);
    const url = await startServer(imageCmd, env, appDir);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await roundTrip(url);
    const check = () =>
      spawnSync(
        process.execPath,
        healthcheck.slice(1).map((a) => a.replace(/^\/app\b/, appDir)),
        { env },
      ).status;
    expect(check()).toBe(0);
    await stopProcess(started.pop()?.child as SpawnedServer["child"]);
    expect(check()).toBe(1);
  });

  it("refuses to start without its tokens secret instead of serving an open cache", () => {
    const env = { ...localEnv(imageEnv, 1, appDir), GOCACHEPROG_SERVER_TOKENS_FILE: imageEnv["GOCACHEPROG_SERVER_TOKENS_FILE"] as string };
    const [, ...args] = imageCmd;
    const run = spawnSync(process.execPath, args, { cwd: appDir, env, encoding: "utf8", timeout: 20_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("tokens-file");
  });
});

describe("infra/compose.yaml: the stack's own commands, on loopback", () => {
  // biome-ignore lint/suspicious/noExplicitAny: compose is read field by field
  const { services } = readYaml<any>("infra/compose.yaml");
  const vars = { S3_SECRET_KEY: randomBytes(24).toString("hex") };
  const envOf = (service: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(services[service].environment as Record<string, string>).map(([k, v]) => [k, interpolate(String(v), vars)]),
    );

  it("Redis persists its append-only file, the bucket is created, and the server stores through S3 + Redis", async () => {
    const redisDir = mkdtempSync(join(work, "redis-"));
    const redisPort = await getFreePort();
    const [redisBin = "", ...redisArgs] = services.redis.command as string[];
    const redis = spawnServer(redisBin, [...redisArgs, "--port", String(redisPort), "--bind", "127.0.0.1", "--dir", redisDir]);
    started.push(redis);
    await waitUntil("redis", redis, async () => (await tcpExchange(redisPort, "PING\r\n")).startsWith("+PONG"));

    const s3Dir = mkdtempSync(join(work, "s3-"));
    const s3Port = await getFreePort();
    const s3Args = (services.s3.command as string[]).map((a) => (a === ":7070" ? `127.0.0.1:${s3Port}` : a === "/data" ? s3Dir : a));
    const s3 = spawnServer(VERSITYGW_BIN, s3Args, { PATH: process.env["PATH"] ?? "", ...envOf("s3") });
    started.push(s3);
    await waitUntil("versitygw", s3, async () => (await fetch(`http://127.0.0.1:${s3Port}/`)).status > 0);

    // What s3-init does with the aws CLI (not installed here), with its own credentials and bucket name.
    const init = envOf("s3-init");
    const client = new S3Client({
      endpoint: `http://127.0.0.1:${s3Port}`,
      region: init["AWS_REGION"] as string,
      forcePathStyle: true,
      credentials: { accessKeyId: init["AWS_ACCESS_KEY_ID"] as string, secretAccessKey: init["AWS_SECRET_ACCESS_KEY"] as string },
    });
    await client.send(new CreateBucketCommand({ Bucket: init["BUCKET"] }));
    client.destroy();

    const hosts = { "redis:6379": `127.0.0.1:${redisPort}`, "s3:7070": `127.0.0.1:${s3Port}` };
    const env = localEnv({ ...imageEnv, ...envOf("server") }, await getFreePort(), repoRoot, hosts);
    const url = await startServer(imageCmd, env, repoRoot);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: "ready", blobStore: "s3", index: "redis" });
    await roundTrip(url);
    expect(existsSync(join(s3Dir, init["BUCKET"] as string))).toBe(true);
    expect(existsSync(join(redisDir, "appendonlydir"))).toBe(true);
    const check = spawnSync(process.execPath, [join(repoRoot, "infra/healthcheck.mjs")], { env });
    expect(check.status).toBe(0);
  });
});

describe("Helm chart: the rendered Deployment's command, settings, Secret, probes and metrics port, and the gc CronJob", () => {
  it("serves from S3 + Redis with the chart's env, answers the probes, keeps /metrics apart, and the CronJob's gc runs", async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const s3 = await startVersitygw({ bucket: "go-cache" });
    cleanups.push(() => s3.destroy());
    // The chart's own Secret holds the Redis URL and the tokens; the S3 keys come from a Secret of the operator's.
    const objects = renderChart(["ci/shared-values.yaml"], {
      "redis.existingSecret": "",
      "redis.url": redis.url,
      "auth.tokens.existingSecret": "",
      "auth.tokens.inline": `${token} read-write team`,
      "s3.endpoint": s3.endpoint,
    });
    const ownSecret = byKind(objects, "Secret");
    const operatorSecret: Record<string, string> = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const envOf = (container: { env: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[] }) => {
      const env: Record<string, string> = { ...byKind(objects, "ConfigMap").data };
      for (const entry of container.env) {
        const { name, key } = entry.valueFrom.secretKeyRef;
        env[entry.name] = (name === ownSecret.metadata.name ? ownSecret.stringData[key] : operatorSecret[key]) as string;
      }
      return env;
    };
    const deployment = byKind(objects, "Deployment").spec.template.spec;
    const container = deployment.containers[0];
    const env = localEnv({ ...imageEnv, ...envOf(container) }, await getFreePort(), repoRoot);
    // The tokens file as the Secret volume mounts it.
    env["GOCACHEPROG_SERVER_TOKENS_FILE"] = join(work, "chart-tokens");
    writeFileSync(env["GOCACHEPROG_SERVER_TOKENS_FILE"], ownSecret.stringData.tokens);
    const metricsPort = await getFreePort();
    env["GOCACHEPROG_SERVER_METRICS_LISTEN"] = `127.0.0.1:${metricsPort}`;
    const url = await startServer(container.command, env, repoRoot);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: "ready", blobStore: "s3", index: "redis" });
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect((await fetch(`${url}${probe.httpGet.path}`)).status, probe.httpGet.path).toBe(200);
    }
    await roundTrip(url);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    // The preStop hook is a command the image has.
    expect(spawnSync(container.lifecycle.preStop.exec.command[0], ["0"]).status).toBe(0);

    const gcPod = byKind(objects, "CronJob").spec.jobTemplate.spec.template.spec;
    const gc = gcPod.containers[0];
    const [, ...gcArgs] = (gc.command as string[]).map((a) => a.replace(/^packages\//, `${repoRoot}/packages/`));
    const run = spawnSync(process.execPath, gcArgs, {
      // gc reads the tokens too (namespace budgets), from the same Secret volume as the Deployment.
      env: {
        ...env,
        ...envOf(gc),
        GOCACHEPROG_SERVER_LISTEN: env["GOCACHEPROG_SERVER_LISTEN"] as string,
        GOCACHEPROG_SERVER_TOKENS_FILE: env["GOCACHEPROG_SERVER_TOKENS_FILE"] as string,
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toBeTypeOf("object");
  });

  it("starts with OIDC alone: no tokens file is read (not even the image's default path), and requests need a token", async () => {
    const objects = renderChart(["ci/oidc-values.yaml"]);
    const container = byKind(objects, "Deployment").spec.template.spec.containers[0];
    const settings = byKind(objects, "ConfigMap").data as Record<string, string>;
    const env = localEnv({ ...imageEnv, ...settings }, await getFreePort(), repoRoot);
    env["GOCACHEPROG_SERVER_TOKENS_FILE"] = settings["GOCACHEPROG_SERVER_TOKENS_FILE"] as string;
    env["GOCACHEPROG_SERVER_METRICS_LISTEN"] = `127.0.0.1:${await getFreePort()}`;
    const url = await startServer(container.command, env, repoRoot);
    expect((await fetch(`${url}${container.readinessProbe.httpGet.path}`)).status).toBe(200);
    expect((await fetch(`${url}/v1/actions/${"0".repeat(64)}`)).status).toBe(401);
  });
});
