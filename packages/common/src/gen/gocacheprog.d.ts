import * as $protobuf from "protobufjs";
import Long = require("long");
/** Namespace gocacheprog. */
export namespace gocacheprog {

    /** Namespace v1. */
    namespace v1 {

        /** Properties of an ActionEntry. */
        interface IActionEntry {

            /** ActionEntry actionId */
            actionId?: (Uint8Array|null);

            /** ActionEntry found */
            found?: (boolean|null);

            /** ActionEntry outputId */
            outputId?: (Uint8Array|null);

            /** ActionEntry size */
            size?: (number|null);

            /** ActionEntry putTimeUnixMs */
            putTimeUnixMs?: (number|null);

            /** ActionEntry inlineBody */
            inlineBody?: (Uint8Array|null);

            /** ActionEntry hasInlineBody */
            hasInlineBody?: (boolean|null);
        }

        /** Represents an ActionEntry. */
        class ActionEntry implements IActionEntry {

            /**
             * Constructs a new ActionEntry.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IActionEntry);

            /** ActionEntry actionId. */
            public actionId: Uint8Array;

            /** ActionEntry found. */
            public found: boolean;

            /** ActionEntry outputId. */
            public outputId: Uint8Array;

            /** ActionEntry size. */
            public size: number;

            /** ActionEntry putTimeUnixMs. */
            public putTimeUnixMs: number;

            /** ActionEntry inlineBody. */
            public inlineBody: Uint8Array;

            /** ActionEntry hasInlineBody. */
            public hasInlineBody: boolean;

            /**
             * Creates a new ActionEntry instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ActionEntry instance
             */
            public static create(properties?: gocacheprog.v1.IActionEntry): gocacheprog.v1.ActionEntry;

            /**
             * Encodes the specified ActionEntry message. Does not implicitly {@link gocacheprog.v1.ActionEntry.verify|verify} messages.
             * @param message ActionEntry message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IActionEntry, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an ActionEntry message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns ActionEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.ActionEntry;

            /**
             * Gets the default type url for ActionEntry
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a BatchLookupRequest. */
        interface IBatchLookupRequest {

            /** BatchLookupRequest actionIds */
            actionIds?: (Uint8Array[]|null);

            /** BatchLookupRequest includeInlineBodies */
            includeInlineBodies?: (boolean|null);
        }

        /** Represents a BatchLookupRequest. */
        class BatchLookupRequest implements IBatchLookupRequest {

            /**
             * Constructs a new BatchLookupRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IBatchLookupRequest);

            /** BatchLookupRequest actionIds. */
            public actionIds: Uint8Array[];

            /** BatchLookupRequest includeInlineBodies. */
            public includeInlineBodies: boolean;

            /**
             * Creates a new BatchLookupRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns BatchLookupRequest instance
             */
            public static create(properties?: gocacheprog.v1.IBatchLookupRequest): gocacheprog.v1.BatchLookupRequest;

            /**
             * Encodes the specified BatchLookupRequest message. Does not implicitly {@link gocacheprog.v1.BatchLookupRequest.verify|verify} messages.
             * @param message BatchLookupRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IBatchLookupRequest, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a BatchLookupRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns BatchLookupRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.BatchLookupRequest;

            /**
             * Gets the default type url for BatchLookupRequest
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a BatchLookupResponse. */
        interface IBatchLookupResponse {

            /** BatchLookupResponse entries */
            entries?: (gocacheprog.v1.IActionEntry[]|null);
        }

        /** Represents a BatchLookupResponse. */
        class BatchLookupResponse implements IBatchLookupResponse {

            /**
             * Constructs a new BatchLookupResponse.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IBatchLookupResponse);

            /** BatchLookupResponse entries. */
            public entries: gocacheprog.v1.IActionEntry[];

            /**
             * Creates a new BatchLookupResponse instance using the specified properties.
             * @param [properties] Properties to set
             * @returns BatchLookupResponse instance
             */
            public static create(properties?: gocacheprog.v1.IBatchLookupResponse): gocacheprog.v1.BatchLookupResponse;

            /**
             * Encodes the specified BatchLookupResponse message. Does not implicitly {@link gocacheprog.v1.BatchLookupResponse.verify|verify} messages.
             * @param message BatchLookupResponse message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IBatchLookupResponse, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a BatchLookupResponse message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns BatchLookupResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.BatchLookupResponse;

            /**
             * Gets the default type url for BatchLookupResponse
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }
    }
}
