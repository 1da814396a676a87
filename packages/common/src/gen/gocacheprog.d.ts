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

        /** Properties of an UploadItem. */
        interface IUploadItem {

            /** UploadItem actionId */
            actionId?: (Uint8Array|null);

            /** UploadItem outputId */
            outputId?: (Uint8Array|null);

            /** UploadItem size */
            size?: (number|null);

            /** UploadItem body */
            body?: (Uint8Array|null);

            /** UploadItem codec */
            codec?: (gocacheprog.v1.Codec|null);
        }

        /** Represents an UploadItem. */
        class UploadItem implements IUploadItem {

            /**
             * Constructs a new UploadItem.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IUploadItem);

            /** UploadItem actionId. */
            public actionId: Uint8Array;

            /** UploadItem outputId. */
            public outputId: Uint8Array;

            /** UploadItem size. */
            public size: number;

            /** UploadItem body. */
            public body: Uint8Array;

            /** UploadItem codec. */
            public codec: gocacheprog.v1.Codec;

            /**
             * Creates a new UploadItem instance using the specified properties.
             * @param [properties] Properties to set
             * @returns UploadItem instance
             */
            public static create(properties?: gocacheprog.v1.IUploadItem): gocacheprog.v1.UploadItem;

            /**
             * Encodes the specified UploadItem message. Does not implicitly {@link gocacheprog.v1.UploadItem.verify|verify} messages.
             * @param message UploadItem message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IUploadItem, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an UploadItem message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns UploadItem
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.UploadItem;

            /**
             * Gets the default type url for UploadItem
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a BatchUploadRequest. */
        interface IBatchUploadRequest {

            /** BatchUploadRequest items */
            items?: (gocacheprog.v1.IUploadItem[]|null);
        }

        /** Represents a BatchUploadRequest. */
        class BatchUploadRequest implements IBatchUploadRequest {

            /**
             * Constructs a new BatchUploadRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IBatchUploadRequest);

            /** BatchUploadRequest items. */
            public items: gocacheprog.v1.IUploadItem[];

            /**
             * Creates a new BatchUploadRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns BatchUploadRequest instance
             */
            public static create(properties?: gocacheprog.v1.IBatchUploadRequest): gocacheprog.v1.BatchUploadRequest;

            /**
             * Encodes the specified BatchUploadRequest message. Does not implicitly {@link gocacheprog.v1.BatchUploadRequest.verify|verify} messages.
             * @param message BatchUploadRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IBatchUploadRequest, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a BatchUploadRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns BatchUploadRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.BatchUploadRequest;

            /**
             * Gets the default type url for BatchUploadRequest
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of an UploadItemResult. */
        interface IUploadItemResult {

            /** UploadItemResult status */
            status?: (number|null);

            /** UploadItemResult error */
            error?: (string|null);
        }

        /** Represents an UploadItemResult. */
        class UploadItemResult implements IUploadItemResult {

            /**
             * Constructs a new UploadItemResult.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IUploadItemResult);

            /** UploadItemResult status. */
            public status: number;

            /** UploadItemResult error. */
            public error: string;

            /**
             * Creates a new UploadItemResult instance using the specified properties.
             * @param [properties] Properties to set
             * @returns UploadItemResult instance
             */
            public static create(properties?: gocacheprog.v1.IUploadItemResult): gocacheprog.v1.UploadItemResult;

            /**
             * Encodes the specified UploadItemResult message. Does not implicitly {@link gocacheprog.v1.UploadItemResult.verify|verify} messages.
             * @param message UploadItemResult message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IUploadItemResult, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an UploadItemResult message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns UploadItemResult
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.UploadItemResult;

            /**
             * Gets the default type url for UploadItemResult
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a BatchUploadResponse. */
        interface IBatchUploadResponse {

            /** BatchUploadResponse results */
            results?: (gocacheprog.v1.IUploadItemResult[]|null);
        }

        /** Represents a BatchUploadResponse. */
        class BatchUploadResponse implements IBatchUploadResponse {

            /**
             * Constructs a new BatchUploadResponse.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IBatchUploadResponse);

            /** BatchUploadResponse results. */
            public results: gocacheprog.v1.IUploadItemResult[];

            /**
             * Creates a new BatchUploadResponse instance using the specified properties.
             * @param [properties] Properties to set
             * @returns BatchUploadResponse instance
             */
            public static create(properties?: gocacheprog.v1.IBatchUploadResponse): gocacheprog.v1.BatchUploadResponse;

            /**
             * Encodes the specified BatchUploadResponse message. Does not implicitly {@link gocacheprog.v1.BatchUploadResponse.verify|verify} messages.
             * @param message BatchUploadResponse message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IBatchUploadResponse, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a BatchUploadResponse message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns BatchUploadResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.BatchUploadResponse;

            /**
             * Gets the default type url for BatchUploadResponse
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a ManifestUpload. */
        interface IManifestUpload {

            /** ManifestUpload buildKey */
            buildKey?: (Uint8Array|null);

            /** ManifestUpload actionIds */
            actionIds?: (Uint8Array[]|null);
        }

        /** Represents a ManifestUpload. */
        class ManifestUpload implements IManifestUpload {

            /**
             * Constructs a new ManifestUpload.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IManifestUpload);

            /** ManifestUpload buildKey. */
            public buildKey: Uint8Array;

            /** ManifestUpload actionIds. */
            public actionIds: Uint8Array[];

            /**
             * Creates a new ManifestUpload instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ManifestUpload instance
             */
            public static create(properties?: gocacheprog.v1.IManifestUpload): gocacheprog.v1.ManifestUpload;

            /**
             * Encodes the specified ManifestUpload message. Does not implicitly {@link gocacheprog.v1.ManifestUpload.verify|verify} messages.
             * @param message ManifestUpload message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IManifestUpload, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ManifestUpload message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns ManifestUpload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.ManifestUpload;

            /**
             * Gets the default type url for ManifestUpload
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a PrefetchRequest. */
        interface IPrefetchRequest {

            /** PrefetchRequest buildKey */
            buildKey?: (Uint8Array|null);

            /** PrefetchRequest maxBytes */
            maxBytes?: (number|null);
        }

        /** Represents a PrefetchRequest. */
        class PrefetchRequest implements IPrefetchRequest {

            /**
             * Constructs a new PrefetchRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IPrefetchRequest);

            /** PrefetchRequest buildKey. */
            public buildKey: Uint8Array;

            /** PrefetchRequest maxBytes. */
            public maxBytes: number;

            /**
             * Creates a new PrefetchRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PrefetchRequest instance
             */
            public static create(properties?: gocacheprog.v1.IPrefetchRequest): gocacheprog.v1.PrefetchRequest;

            /**
             * Encodes the specified PrefetchRequest message. Does not implicitly {@link gocacheprog.v1.PrefetchRequest.verify|verify} messages.
             * @param message PrefetchRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IPrefetchRequest, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PrefetchRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns PrefetchRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.PrefetchRequest;

            /**
             * Gets the default type url for PrefetchRequest
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a PrefetchFrame. */
        interface IPrefetchFrame {

            /** PrefetchFrame announce */
            announce?: (gocacheprog.v1.IPrefetchAnnounce|null);

            /** PrefetchFrame entry */
            entry?: (gocacheprog.v1.IPrefetchEntry|null);

            /** PrefetchFrame end */
            end?: (gocacheprog.v1.IPrefetchEnd|null);
        }

        /** Represents a PrefetchFrame. */
        class PrefetchFrame implements IPrefetchFrame {

            /**
             * Constructs a new PrefetchFrame.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IPrefetchFrame);

            /** PrefetchFrame announce. */
            public announce?: (gocacheprog.v1.IPrefetchAnnounce|null);

            /** PrefetchFrame entry. */
            public entry?: (gocacheprog.v1.IPrefetchEntry|null);

            /** PrefetchFrame end. */
            public end?: (gocacheprog.v1.IPrefetchEnd|null);

            /** PrefetchFrame kind. */
            public kind?: ("announce"|"entry"|"end");

            /**
             * Creates a new PrefetchFrame instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PrefetchFrame instance
             */
            public static create(properties?: gocacheprog.v1.IPrefetchFrame): gocacheprog.v1.PrefetchFrame;

            /**
             * Encodes the specified PrefetchFrame message. Does not implicitly {@link gocacheprog.v1.PrefetchFrame.verify|verify} messages.
             * @param message PrefetchFrame message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IPrefetchFrame, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PrefetchFrame message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns PrefetchFrame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.PrefetchFrame;

            /**
             * Gets the default type url for PrefetchFrame
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a PrefetchAnnounce. */
        interface IPrefetchAnnounce {

            /** PrefetchAnnounce entries */
            entries?: (gocacheprog.v1.IAnnouncedEntry[]|null);
        }

        /** Represents a PrefetchAnnounce. */
        class PrefetchAnnounce implements IPrefetchAnnounce {

            /**
             * Constructs a new PrefetchAnnounce.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IPrefetchAnnounce);

            /** PrefetchAnnounce entries. */
            public entries: gocacheprog.v1.IAnnouncedEntry[];

            /**
             * Creates a new PrefetchAnnounce instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PrefetchAnnounce instance
             */
            public static create(properties?: gocacheprog.v1.IPrefetchAnnounce): gocacheprog.v1.PrefetchAnnounce;

            /**
             * Encodes the specified PrefetchAnnounce message. Does not implicitly {@link gocacheprog.v1.PrefetchAnnounce.verify|verify} messages.
             * @param message PrefetchAnnounce message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IPrefetchAnnounce, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PrefetchAnnounce message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns PrefetchAnnounce
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.PrefetchAnnounce;

            /**
             * Gets the default type url for PrefetchAnnounce
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of an AnnouncedEntry. */
        interface IAnnouncedEntry {

            /** AnnouncedEntry actionId */
            actionId?: (Uint8Array|null);

            /** AnnouncedEntry size */
            size?: (number|null);
        }

        /** Represents an AnnouncedEntry. */
        class AnnouncedEntry implements IAnnouncedEntry {

            /**
             * Constructs a new AnnouncedEntry.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IAnnouncedEntry);

            /** AnnouncedEntry actionId. */
            public actionId: Uint8Array;

            /** AnnouncedEntry size. */
            public size: number;

            /**
             * Creates a new AnnouncedEntry instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AnnouncedEntry instance
             */
            public static create(properties?: gocacheprog.v1.IAnnouncedEntry): gocacheprog.v1.AnnouncedEntry;

            /**
             * Encodes the specified AnnouncedEntry message. Does not implicitly {@link gocacheprog.v1.AnnouncedEntry.verify|verify} messages.
             * @param message AnnouncedEntry message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IAnnouncedEntry, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AnnouncedEntry message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns AnnouncedEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.AnnouncedEntry;

            /**
             * Gets the default type url for AnnouncedEntry
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Codec enum. */
        enum Codec {
            CODEC_NONE = 0,
            CODEC_ZSTD = 1
        }

        /** Properties of a PrefetchEntry. */
        interface IPrefetchEntry {

            /** PrefetchEntry actionId */
            actionId?: (Uint8Array|null);

            /** PrefetchEntry outputId */
            outputId?: (Uint8Array|null);

            /** PrefetchEntry size */
            size?: (number|null);

            /** PrefetchEntry putTimeUnixMs */
            putTimeUnixMs?: (number|null);

            /** PrefetchEntry offset */
            offset?: (number|null);

            /** PrefetchEntry data */
            data?: (Uint8Array|null);

            /** PrefetchEntry last */
            last?: (boolean|null);

            /** PrefetchEntry missing */
            missing?: (boolean|null);

            /** PrefetchEntry codec */
            codec?: (gocacheprog.v1.Codec|null);
        }

        /** Represents a PrefetchEntry. */
        class PrefetchEntry implements IPrefetchEntry {

            /**
             * Constructs a new PrefetchEntry.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IPrefetchEntry);

            /** PrefetchEntry actionId. */
            public actionId: Uint8Array;

            /** PrefetchEntry outputId. */
            public outputId: Uint8Array;

            /** PrefetchEntry size. */
            public size: number;

            /** PrefetchEntry putTimeUnixMs. */
            public putTimeUnixMs: number;

            /** PrefetchEntry offset. */
            public offset: number;

            /** PrefetchEntry data. */
            public data: Uint8Array;

            /** PrefetchEntry last. */
            public last: boolean;

            /** PrefetchEntry missing. */
            public missing: boolean;

            /** PrefetchEntry codec. */
            public codec: gocacheprog.v1.Codec;

            /**
             * Creates a new PrefetchEntry instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PrefetchEntry instance
             */
            public static create(properties?: gocacheprog.v1.IPrefetchEntry): gocacheprog.v1.PrefetchEntry;

            /**
             * Encodes the specified PrefetchEntry message. Does not implicitly {@link gocacheprog.v1.PrefetchEntry.verify|verify} messages.
             * @param message PrefetchEntry message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IPrefetchEntry, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PrefetchEntry message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns PrefetchEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.PrefetchEntry;

            /**
             * Gets the default type url for PrefetchEntry
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a PrefetchEnd. */
        interface IPrefetchEnd {

            /** PrefetchEnd sent */
            sent?: (number|null);

            /** PrefetchEnd missing */
            missing?: (number|null);

            /** PrefetchEnd truncated */
            truncated?: (boolean|null);
        }

        /** Represents a PrefetchEnd. */
        class PrefetchEnd implements IPrefetchEnd {

            /**
             * Constructs a new PrefetchEnd.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IPrefetchEnd);

            /** PrefetchEnd sent. */
            public sent: number;

            /** PrefetchEnd missing. */
            public missing: number;

            /** PrefetchEnd truncated. */
            public truncated: boolean;

            /**
             * Creates a new PrefetchEnd instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PrefetchEnd instance
             */
            public static create(properties?: gocacheprog.v1.IPrefetchEnd): gocacheprog.v1.PrefetchEnd;

            /**
             * Encodes the specified PrefetchEnd message. Does not implicitly {@link gocacheprog.v1.PrefetchEnd.verify|verify} messages.
             * @param message PrefetchEnd message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IPrefetchEnd, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PrefetchEnd message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns PrefetchEnd
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.PrefetchEnd;

            /**
             * Gets the default type url for PrefetchEnd
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a StoredManifests. */
        interface IStoredManifests {

            /** StoredManifests manifests */
            manifests?: (gocacheprog.v1.IStoredManifest[]|null);
        }

        /** Represents a StoredManifests. */
        class StoredManifests implements IStoredManifests {

            /**
             * Constructs a new StoredManifests.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IStoredManifests);

            /** StoredManifests manifests. */
            public manifests: gocacheprog.v1.IStoredManifest[];

            /**
             * Creates a new StoredManifests instance using the specified properties.
             * @param [properties] Properties to set
             * @returns StoredManifests instance
             */
            public static create(properties?: gocacheprog.v1.IStoredManifests): gocacheprog.v1.StoredManifests;

            /**
             * Encodes the specified StoredManifests message. Does not implicitly {@link gocacheprog.v1.StoredManifests.verify|verify} messages.
             * @param message StoredManifests message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IStoredManifests, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StoredManifests message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns StoredManifests
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.StoredManifests;

            /**
             * Gets the default type url for StoredManifests
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }

        /** Properties of a StoredManifest. */
        interface IStoredManifest {

            /** StoredManifest createdUnixMs */
            createdUnixMs?: (number|null);

            /** StoredManifest actionIds */
            actionIds?: (Uint8Array[]|null);
        }

        /** Represents a StoredManifest. */
        class StoredManifest implements IStoredManifest {

            /**
             * Constructs a new StoredManifest.
             * @param [properties] Properties to set
             */
            constructor(properties?: gocacheprog.v1.IStoredManifest);

            /** StoredManifest createdUnixMs. */
            public createdUnixMs: number;

            /** StoredManifest actionIds. */
            public actionIds: Uint8Array[];

            /**
             * Creates a new StoredManifest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns StoredManifest instance
             */
            public static create(properties?: gocacheprog.v1.IStoredManifest): gocacheprog.v1.StoredManifest;

            /**
             * Encodes the specified StoredManifest message. Does not implicitly {@link gocacheprog.v1.StoredManifest.verify|verify} messages.
             * @param message StoredManifest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            public static encode(message: gocacheprog.v1.IStoredManifest, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StoredManifest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns StoredManifest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            public static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): gocacheprog.v1.StoredManifest;

            /**
             * Gets the default type url for StoredManifest
             * @param [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns The default type url
             */
            public static getTypeUrl(typeUrlPrefix?: string): string;
        }
    }
}
