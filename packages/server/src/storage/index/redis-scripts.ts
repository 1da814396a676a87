import type { Cluster, Redis } from "ioredis";

/**
 * The Lua scripts of the Redis index (redis.ts): each change that reads before it writes runs as one
 * script, so replicas sharing one Redis never interleave inside it.
 */

// Only moves last access forward, and never recreates a key that was deleted meanwhile.
const TOUCH_SCRIPT = `
local t = redis.call('HGET', KEYS[1], 't')
if t and tonumber(t) < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 't', ARGV[1]) end
return 0`;

// Field `b` = the bytes this record holds itself, so a later overwrite or delete knows what to take
// back from the usage counters. Both return [existed (0/1), old b].
const SET_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
local old = tonumber(redis.call('HGET', KEYS[1], 'b') or '0') or 0
redis.call('HSET', KEYS[1], 'r', ARGV[1], 't', ARGV[2], 'b', ARGV[3])
return {existed, old}`;
// SET_SCRIPT's write only where there is no record: returns 1 when written.
const SET_IF_ABSENT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 't', ARGV[2], 'b', ARGV[3])
return 1`;
const DELETE_SCRIPT = `
local old = tonumber(redis.call('HGET', KEYS[1], 'b') or '0') or 0
return {redis.call('DEL', KEYS[1]), old}`;
// Both counters of a namespace in one step, so a reader never sees one updated without the other.
const ADD_USAGE_SCRIPT = `
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':e', ARGV[2])
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':b', ARGV[3])
return 0`;
// Taken when free or already ours (a renewal), in one step so two replicas never both get it.
const LEASE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
// Only the holder's own lease: one that expired and was taken by another replica stays theirs.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

// A compare-and-set of a build key's manifests. ARGV[1] is the sha1 of the value the writer read
// ('' for none): comparing a digest keeps a ~100 KiB value from crossing the wire twice.
const SWAP_MANIFESTS_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (current and redis.sha1hex(current) or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('SET', KEYS[1], ARGV[3]) else redis.call('DEL', KEYS[1]) end
return 1`;

export type Scripts = {
  gocacheprogTouch(key: string, atMs: number): Promise<number>;
  gocacheprogSet(key: string, record: Buffer, touched: string, held: string): Promise<[number, number]>;
  gocacheprogSetIfAbsent(key: string, record: Buffer, touched: string, held: string): Promise<number>;
  gocacheprogDelete(key: string): Promise<[number, number]>;
  gocacheprogAddUsage(key: string, namespace: string, entries: string, bytes: string): Promise<number>;
  gocacheprogLease(key: string, holder: string, ttlMs: string): Promise<number>;
  gocacheprogRelease(key: string, holder: string): Promise<number>;
  gocacheprogSwapManifests(key: string, expectedSha1: string, present: "0" | "1", value: Buffer | ""): Promise<number>;
};

/** Registers every script as a command of `client` (ioredis sends EVALSHA, and the script on NOSCRIPT). */
export function defineScripts(client: Redis | Cluster): void {
  client.defineCommand("gocacheprogTouch", { numberOfKeys: 1, lua: TOUCH_SCRIPT });
  client.defineCommand("gocacheprogSet", { numberOfKeys: 1, lua: SET_SCRIPT });
  client.defineCommand("gocacheprogSetIfAbsent", { numberOfKeys: 1, lua: SET_IF_ABSENT_SCRIPT });
  client.defineCommand("gocacheprogDelete", { numberOfKeys: 1, lua: DELETE_SCRIPT });
  client.defineCommand("gocacheprogAddUsage", { numberOfKeys: 1, lua: ADD_USAGE_SCRIPT });
  client.defineCommand("gocacheprogLease", { numberOfKeys: 1, lua: LEASE_SCRIPT });
  client.defineCommand("gocacheprogRelease", { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  client.defineCommand("gocacheprogSwapManifests", { numberOfKeys: 1, lua: SWAP_MANIFESTS_SCRIPT });
}
