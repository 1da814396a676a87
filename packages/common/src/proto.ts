// The generated protobuf classes, behind a stable import path (@gocacheprog/common/proto).
import $protobuf from "protobufjs/minimal.js";
import { gocacheprog } from "./gen/gocacheprog.js";

// Every 64-bit field here (sizes, millisecond times) fits in a double, so decode them as plain
// numbers instead of Long objects.
$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

export const ActionEntry = gocacheprog.v1.ActionEntry;
export const BatchLookupRequest = gocacheprog.v1.BatchLookupRequest;
export const BatchLookupResponse = gocacheprog.v1.BatchLookupResponse;
export type IActionEntry = gocacheprog.v1.IActionEntry;

/** Upper bound on ActionIDs per batch request, shared so clients never exceed what servers accept. */
export const MAX_BATCH_LOOKUP = 1000;
