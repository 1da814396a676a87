/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const gocacheprog = $root.gocacheprog = (() => {

    /**
     * Namespace gocacheprog.
     * @exports gocacheprog
     * @namespace
     */
    const gocacheprog = {};

    gocacheprog.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof gocacheprog
         * @namespace
         */
        const v1 = {};

        v1.ActionEntry = (function() {

            /**
             * Properties of an ActionEntry.
             * @memberof gocacheprog.v1
             * @interface IActionEntry
             * @property {Uint8Array|null} [actionId] ActionEntry actionId
             * @property {boolean|null} [found] ActionEntry found
             * @property {Uint8Array|null} [outputId] ActionEntry outputId
             * @property {number|null} [size] ActionEntry size
             * @property {number|null} [putTimeUnixMs] ActionEntry putTimeUnixMs
             * @property {Uint8Array|null} [inlineBody] ActionEntry inlineBody
             * @property {boolean|null} [hasInlineBody] ActionEntry hasInlineBody
             */

            /**
             * Constructs a new ActionEntry.
             * @memberof gocacheprog.v1
             * @classdesc Represents an ActionEntry.
             * @implements IActionEntry
             * @constructor
             * @param {gocacheprog.v1.IActionEntry=} [properties] Properties to set
             */
            function ActionEntry(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * ActionEntry actionId.
             * @member {Uint8Array} actionId
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.actionId = $util.newBuffer([]);

            /**
             * ActionEntry found.
             * @member {boolean} found
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.found = false;

            /**
             * ActionEntry outputId.
             * @member {Uint8Array} outputId
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.outputId = $util.newBuffer([]);

            /**
             * ActionEntry size.
             * @member {number} size
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * ActionEntry putTimeUnixMs.
             * @member {number} putTimeUnixMs
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.putTimeUnixMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * ActionEntry inlineBody.
             * @member {Uint8Array} inlineBody
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.inlineBody = $util.newBuffer([]);

            /**
             * ActionEntry hasInlineBody.
             * @member {boolean} hasInlineBody
             * @memberof gocacheprog.v1.ActionEntry
             * @instance
             */
            ActionEntry.prototype.hasInlineBody = false;

            /**
             * Creates a new ActionEntry instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.ActionEntry
             * @static
             * @param {gocacheprog.v1.IActionEntry=} [properties] Properties to set
             * @returns {gocacheprog.v1.ActionEntry} ActionEntry instance
             */
            ActionEntry.create = function create(properties) {
                return new ActionEntry(properties);
            };

            /**
             * Encodes the specified ActionEntry message. Does not implicitly {@link gocacheprog.v1.ActionEntry.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.ActionEntry
             * @static
             * @param {gocacheprog.v1.IActionEntry} message ActionEntry message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ActionEntry.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.actionId != null && Object.hasOwnProperty.call(message, "actionId"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.actionId);
                if (message.found != null && Object.hasOwnProperty.call(message, "found"))
                    writer.uint32(/* id 2, wireType 0 =*/16).bool(message.found);
                if (message.outputId != null && Object.hasOwnProperty.call(message, "outputId"))
                    writer.uint32(/* id 3, wireType 2 =*/26).bytes(message.outputId);
                if (message.size != null && Object.hasOwnProperty.call(message, "size"))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.size);
                if (message.putTimeUnixMs != null && Object.hasOwnProperty.call(message, "putTimeUnixMs"))
                    writer.uint32(/* id 5, wireType 0 =*/40).int64(message.putTimeUnixMs);
                if (message.inlineBody != null && Object.hasOwnProperty.call(message, "inlineBody"))
                    writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.inlineBody);
                if (message.hasInlineBody != null && Object.hasOwnProperty.call(message, "hasInlineBody"))
                    writer.uint32(/* id 7, wireType 0 =*/56).bool(message.hasInlineBody);
                return writer;
            };

            /**
             * Decodes an ActionEntry message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.ActionEntry
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.ActionEntry} ActionEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ActionEntry.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.ActionEntry();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.actionId = reader.bytes();
                            break;
                        }
                    case 2: {
                            message.found = reader.bool();
                            break;
                        }
                    case 3: {
                            message.outputId = reader.bytes();
                            break;
                        }
                    case 4: {
                            message.size = reader.uint64();
                            break;
                        }
                    case 5: {
                            message.putTimeUnixMs = reader.int64();
                            break;
                        }
                    case 6: {
                            message.inlineBody = reader.bytes();
                            break;
                        }
                    case 7: {
                            message.hasInlineBody = reader.bool();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for ActionEntry
             * @function getTypeUrl
             * @memberof gocacheprog.v1.ActionEntry
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            ActionEntry.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.ActionEntry";
            };

            return ActionEntry;
        })();

        v1.BatchLookupRequest = (function() {

            /**
             * Properties of a BatchLookupRequest.
             * @memberof gocacheprog.v1
             * @interface IBatchLookupRequest
             * @property {Array.<Uint8Array>|null} [actionIds] BatchLookupRequest actionIds
             * @property {boolean|null} [includeInlineBodies] BatchLookupRequest includeInlineBodies
             */

            /**
             * Constructs a new BatchLookupRequest.
             * @memberof gocacheprog.v1
             * @classdesc Represents a BatchLookupRequest.
             * @implements IBatchLookupRequest
             * @constructor
             * @param {gocacheprog.v1.IBatchLookupRequest=} [properties] Properties to set
             */
            function BatchLookupRequest(properties) {
                this.actionIds = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * BatchLookupRequest actionIds.
             * @member {Array.<Uint8Array>} actionIds
             * @memberof gocacheprog.v1.BatchLookupRequest
             * @instance
             */
            BatchLookupRequest.prototype.actionIds = $util.emptyArray;

            /**
             * BatchLookupRequest includeInlineBodies.
             * @member {boolean} includeInlineBodies
             * @memberof gocacheprog.v1.BatchLookupRequest
             * @instance
             */
            BatchLookupRequest.prototype.includeInlineBodies = false;

            /**
             * Creates a new BatchLookupRequest instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.BatchLookupRequest
             * @static
             * @param {gocacheprog.v1.IBatchLookupRequest=} [properties] Properties to set
             * @returns {gocacheprog.v1.BatchLookupRequest} BatchLookupRequest instance
             */
            BatchLookupRequest.create = function create(properties) {
                return new BatchLookupRequest(properties);
            };

            /**
             * Encodes the specified BatchLookupRequest message. Does not implicitly {@link gocacheprog.v1.BatchLookupRequest.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.BatchLookupRequest
             * @static
             * @param {gocacheprog.v1.IBatchLookupRequest} message BatchLookupRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            BatchLookupRequest.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.actionIds != null && message.actionIds.length)
                    for (let i = 0; i < message.actionIds.length; ++i)
                        writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.actionIds[i]);
                if (message.includeInlineBodies != null && Object.hasOwnProperty.call(message, "includeInlineBodies"))
                    writer.uint32(/* id 2, wireType 0 =*/16).bool(message.includeInlineBodies);
                return writer;
            };

            /**
             * Decodes a BatchLookupRequest message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.BatchLookupRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.BatchLookupRequest} BatchLookupRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            BatchLookupRequest.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.BatchLookupRequest();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.actionIds && message.actionIds.length))
                                message.actionIds = [];
                            message.actionIds.push(reader.bytes());
                            break;
                        }
                    case 2: {
                            message.includeInlineBodies = reader.bool();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for BatchLookupRequest
             * @function getTypeUrl
             * @memberof gocacheprog.v1.BatchLookupRequest
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            BatchLookupRequest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.BatchLookupRequest";
            };

            return BatchLookupRequest;
        })();

        v1.BatchLookupResponse = (function() {

            /**
             * Properties of a BatchLookupResponse.
             * @memberof gocacheprog.v1
             * @interface IBatchLookupResponse
             * @property {Array.<gocacheprog.v1.IActionEntry>|null} [entries] BatchLookupResponse entries
             */

            /**
             * Constructs a new BatchLookupResponse.
             * @memberof gocacheprog.v1
             * @classdesc Represents a BatchLookupResponse.
             * @implements IBatchLookupResponse
             * @constructor
             * @param {gocacheprog.v1.IBatchLookupResponse=} [properties] Properties to set
             */
            function BatchLookupResponse(properties) {
                this.entries = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * BatchLookupResponse entries.
             * @member {Array.<gocacheprog.v1.IActionEntry>} entries
             * @memberof gocacheprog.v1.BatchLookupResponse
             * @instance
             */
            BatchLookupResponse.prototype.entries = $util.emptyArray;

            /**
             * Creates a new BatchLookupResponse instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.BatchLookupResponse
             * @static
             * @param {gocacheprog.v1.IBatchLookupResponse=} [properties] Properties to set
             * @returns {gocacheprog.v1.BatchLookupResponse} BatchLookupResponse instance
             */
            BatchLookupResponse.create = function create(properties) {
                return new BatchLookupResponse(properties);
            };

            /**
             * Encodes the specified BatchLookupResponse message. Does not implicitly {@link gocacheprog.v1.BatchLookupResponse.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.BatchLookupResponse
             * @static
             * @param {gocacheprog.v1.IBatchLookupResponse} message BatchLookupResponse message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            BatchLookupResponse.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.entries != null && message.entries.length)
                    for (let i = 0; i < message.entries.length; ++i)
                        $root.gocacheprog.v1.ActionEntry.encode(message.entries[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a BatchLookupResponse message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.BatchLookupResponse
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.BatchLookupResponse} BatchLookupResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            BatchLookupResponse.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.BatchLookupResponse();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.entries && message.entries.length))
                                message.entries = [];
                            message.entries.push($root.gocacheprog.v1.ActionEntry.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for BatchLookupResponse
             * @function getTypeUrl
             * @memberof gocacheprog.v1.BatchLookupResponse
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            BatchLookupResponse.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.BatchLookupResponse";
            };

            return BatchLookupResponse;
        })();

        v1.UploadItem = (function() {

            /**
             * Properties of an UploadItem.
             * @memberof gocacheprog.v1
             * @interface IUploadItem
             * @property {Uint8Array|null} [actionId] UploadItem actionId
             * @property {Uint8Array|null} [outputId] UploadItem outputId
             * @property {number|null} [size] UploadItem size
             * @property {Uint8Array|null} [body] UploadItem body
             * @property {gocacheprog.v1.Codec|null} [codec] UploadItem codec
             */

            /**
             * Constructs a new UploadItem.
             * @memberof gocacheprog.v1
             * @classdesc Represents an UploadItem.
             * @implements IUploadItem
             * @constructor
             * @param {gocacheprog.v1.IUploadItem=} [properties] Properties to set
             */
            function UploadItem(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * UploadItem actionId.
             * @member {Uint8Array} actionId
             * @memberof gocacheprog.v1.UploadItem
             * @instance
             */
            UploadItem.prototype.actionId = $util.newBuffer([]);

            /**
             * UploadItem outputId.
             * @member {Uint8Array} outputId
             * @memberof gocacheprog.v1.UploadItem
             * @instance
             */
            UploadItem.prototype.outputId = $util.newBuffer([]);

            /**
             * UploadItem size.
             * @member {number} size
             * @memberof gocacheprog.v1.UploadItem
             * @instance
             */
            UploadItem.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * UploadItem body.
             * @member {Uint8Array} body
             * @memberof gocacheprog.v1.UploadItem
             * @instance
             */
            UploadItem.prototype.body = $util.newBuffer([]);

            /**
             * UploadItem codec.
             * @member {gocacheprog.v1.Codec} codec
             * @memberof gocacheprog.v1.UploadItem
             * @instance
             */
            UploadItem.prototype.codec = 0;

            /**
             * Creates a new UploadItem instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.UploadItem
             * @static
             * @param {gocacheprog.v1.IUploadItem=} [properties] Properties to set
             * @returns {gocacheprog.v1.UploadItem} UploadItem instance
             */
            UploadItem.create = function create(properties) {
                return new UploadItem(properties);
            };

            /**
             * Encodes the specified UploadItem message. Does not implicitly {@link gocacheprog.v1.UploadItem.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.UploadItem
             * @static
             * @param {gocacheprog.v1.IUploadItem} message UploadItem message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            UploadItem.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.actionId != null && Object.hasOwnProperty.call(message, "actionId"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.actionId);
                if (message.outputId != null && Object.hasOwnProperty.call(message, "outputId"))
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.outputId);
                if (message.size != null && Object.hasOwnProperty.call(message, "size"))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.size);
                if (message.body != null && Object.hasOwnProperty.call(message, "body"))
                    writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.body);
                if (message.codec != null && Object.hasOwnProperty.call(message, "codec"))
                    writer.uint32(/* id 5, wireType 0 =*/40).int32(message.codec);
                return writer;
            };

            /**
             * Decodes an UploadItem message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.UploadItem
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.UploadItem} UploadItem
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            UploadItem.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.UploadItem();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.actionId = reader.bytes();
                            break;
                        }
                    case 2: {
                            message.outputId = reader.bytes();
                            break;
                        }
                    case 3: {
                            message.size = reader.uint64();
                            break;
                        }
                    case 4: {
                            message.body = reader.bytes();
                            break;
                        }
                    case 5: {
                            message.codec = reader.int32();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for UploadItem
             * @function getTypeUrl
             * @memberof gocacheprog.v1.UploadItem
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            UploadItem.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.UploadItem";
            };

            return UploadItem;
        })();

        v1.BatchUploadRequest = (function() {

            /**
             * Properties of a BatchUploadRequest.
             * @memberof gocacheprog.v1
             * @interface IBatchUploadRequest
             * @property {Array.<gocacheprog.v1.IUploadItem>|null} [items] BatchUploadRequest items
             */

            /**
             * Constructs a new BatchUploadRequest.
             * @memberof gocacheprog.v1
             * @classdesc Represents a BatchUploadRequest.
             * @implements IBatchUploadRequest
             * @constructor
             * @param {gocacheprog.v1.IBatchUploadRequest=} [properties] Properties to set
             */
            function BatchUploadRequest(properties) {
                this.items = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * BatchUploadRequest items.
             * @member {Array.<gocacheprog.v1.IUploadItem>} items
             * @memberof gocacheprog.v1.BatchUploadRequest
             * @instance
             */
            BatchUploadRequest.prototype.items = $util.emptyArray;

            /**
             * Creates a new BatchUploadRequest instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.BatchUploadRequest
             * @static
             * @param {gocacheprog.v1.IBatchUploadRequest=} [properties] Properties to set
             * @returns {gocacheprog.v1.BatchUploadRequest} BatchUploadRequest instance
             */
            BatchUploadRequest.create = function create(properties) {
                return new BatchUploadRequest(properties);
            };

            /**
             * Encodes the specified BatchUploadRequest message. Does not implicitly {@link gocacheprog.v1.BatchUploadRequest.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.BatchUploadRequest
             * @static
             * @param {gocacheprog.v1.IBatchUploadRequest} message BatchUploadRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            BatchUploadRequest.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.items != null && message.items.length)
                    for (let i = 0; i < message.items.length; ++i)
                        $root.gocacheprog.v1.UploadItem.encode(message.items[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a BatchUploadRequest message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.BatchUploadRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.BatchUploadRequest} BatchUploadRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            BatchUploadRequest.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.BatchUploadRequest();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.items && message.items.length))
                                message.items = [];
                            message.items.push($root.gocacheprog.v1.UploadItem.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for BatchUploadRequest
             * @function getTypeUrl
             * @memberof gocacheprog.v1.BatchUploadRequest
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            BatchUploadRequest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.BatchUploadRequest";
            };

            return BatchUploadRequest;
        })();

        v1.UploadItemResult = (function() {

            /**
             * Properties of an UploadItemResult.
             * @memberof gocacheprog.v1
             * @interface IUploadItemResult
             * @property {number|null} [status] UploadItemResult status
             * @property {string|null} [error] UploadItemResult error
             */

            /**
             * Constructs a new UploadItemResult.
             * @memberof gocacheprog.v1
             * @classdesc Represents an UploadItemResult.
             * @implements IUploadItemResult
             * @constructor
             * @param {gocacheprog.v1.IUploadItemResult=} [properties] Properties to set
             */
            function UploadItemResult(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * UploadItemResult status.
             * @member {number} status
             * @memberof gocacheprog.v1.UploadItemResult
             * @instance
             */
            UploadItemResult.prototype.status = 0;

            /**
             * UploadItemResult error.
             * @member {string} error
             * @memberof gocacheprog.v1.UploadItemResult
             * @instance
             */
            UploadItemResult.prototype.error = "";

            /**
             * Creates a new UploadItemResult instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.UploadItemResult
             * @static
             * @param {gocacheprog.v1.IUploadItemResult=} [properties] Properties to set
             * @returns {gocacheprog.v1.UploadItemResult} UploadItemResult instance
             */
            UploadItemResult.create = function create(properties) {
                return new UploadItemResult(properties);
            };

            /**
             * Encodes the specified UploadItemResult message. Does not implicitly {@link gocacheprog.v1.UploadItemResult.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.UploadItemResult
             * @static
             * @param {gocacheprog.v1.IUploadItemResult} message UploadItemResult message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            UploadItemResult.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.status != null && Object.hasOwnProperty.call(message, "status"))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.status);
                if (message.error != null && Object.hasOwnProperty.call(message, "error"))
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.error);
                return writer;
            };

            /**
             * Decodes an UploadItemResult message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.UploadItemResult
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.UploadItemResult} UploadItemResult
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            UploadItemResult.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.UploadItemResult();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.status = reader.uint32();
                            break;
                        }
                    case 2: {
                            message.error = reader.string();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for UploadItemResult
             * @function getTypeUrl
             * @memberof gocacheprog.v1.UploadItemResult
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            UploadItemResult.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.UploadItemResult";
            };

            return UploadItemResult;
        })();

        v1.BatchUploadResponse = (function() {

            /**
             * Properties of a BatchUploadResponse.
             * @memberof gocacheprog.v1
             * @interface IBatchUploadResponse
             * @property {Array.<gocacheprog.v1.IUploadItemResult>|null} [results] BatchUploadResponse results
             */

            /**
             * Constructs a new BatchUploadResponse.
             * @memberof gocacheprog.v1
             * @classdesc Represents a BatchUploadResponse.
             * @implements IBatchUploadResponse
             * @constructor
             * @param {gocacheprog.v1.IBatchUploadResponse=} [properties] Properties to set
             */
            function BatchUploadResponse(properties) {
                this.results = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * BatchUploadResponse results.
             * @member {Array.<gocacheprog.v1.IUploadItemResult>} results
             * @memberof gocacheprog.v1.BatchUploadResponse
             * @instance
             */
            BatchUploadResponse.prototype.results = $util.emptyArray;

            /**
             * Creates a new BatchUploadResponse instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.BatchUploadResponse
             * @static
             * @param {gocacheprog.v1.IBatchUploadResponse=} [properties] Properties to set
             * @returns {gocacheprog.v1.BatchUploadResponse} BatchUploadResponse instance
             */
            BatchUploadResponse.create = function create(properties) {
                return new BatchUploadResponse(properties);
            };

            /**
             * Encodes the specified BatchUploadResponse message. Does not implicitly {@link gocacheprog.v1.BatchUploadResponse.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.BatchUploadResponse
             * @static
             * @param {gocacheprog.v1.IBatchUploadResponse} message BatchUploadResponse message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            BatchUploadResponse.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.results != null && message.results.length)
                    for (let i = 0; i < message.results.length; ++i)
                        $root.gocacheprog.v1.UploadItemResult.encode(message.results[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a BatchUploadResponse message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.BatchUploadResponse
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.BatchUploadResponse} BatchUploadResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            BatchUploadResponse.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.BatchUploadResponse();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.results && message.results.length))
                                message.results = [];
                            message.results.push($root.gocacheprog.v1.UploadItemResult.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for BatchUploadResponse
             * @function getTypeUrl
             * @memberof gocacheprog.v1.BatchUploadResponse
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            BatchUploadResponse.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.BatchUploadResponse";
            };

            return BatchUploadResponse;
        })();

        v1.ManifestUpload = (function() {

            /**
             * Properties of a ManifestUpload.
             * @memberof gocacheprog.v1
             * @interface IManifestUpload
             * @property {Uint8Array|null} [buildKey] ManifestUpload buildKey
             * @property {Array.<Uint8Array>|null} [actionIds] ManifestUpload actionIds
             */

            /**
             * Constructs a new ManifestUpload.
             * @memberof gocacheprog.v1
             * @classdesc Represents a ManifestUpload.
             * @implements IManifestUpload
             * @constructor
             * @param {gocacheprog.v1.IManifestUpload=} [properties] Properties to set
             */
            function ManifestUpload(properties) {
                this.actionIds = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * ManifestUpload buildKey.
             * @member {Uint8Array} buildKey
             * @memberof gocacheprog.v1.ManifestUpload
             * @instance
             */
            ManifestUpload.prototype.buildKey = $util.newBuffer([]);

            /**
             * ManifestUpload actionIds.
             * @member {Array.<Uint8Array>} actionIds
             * @memberof gocacheprog.v1.ManifestUpload
             * @instance
             */
            ManifestUpload.prototype.actionIds = $util.emptyArray;

            /**
             * Creates a new ManifestUpload instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.ManifestUpload
             * @static
             * @param {gocacheprog.v1.IManifestUpload=} [properties] Properties to set
             * @returns {gocacheprog.v1.ManifestUpload} ManifestUpload instance
             */
            ManifestUpload.create = function create(properties) {
                return new ManifestUpload(properties);
            };

            /**
             * Encodes the specified ManifestUpload message. Does not implicitly {@link gocacheprog.v1.ManifestUpload.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.ManifestUpload
             * @static
             * @param {gocacheprog.v1.IManifestUpload} message ManifestUpload message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ManifestUpload.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.buildKey != null && Object.hasOwnProperty.call(message, "buildKey"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.buildKey);
                if (message.actionIds != null && message.actionIds.length)
                    for (let i = 0; i < message.actionIds.length; ++i)
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.actionIds[i]);
                return writer;
            };

            /**
             * Decodes a ManifestUpload message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.ManifestUpload
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.ManifestUpload} ManifestUpload
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ManifestUpload.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.ManifestUpload();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.buildKey = reader.bytes();
                            break;
                        }
                    case 2: {
                            if (!(message.actionIds && message.actionIds.length))
                                message.actionIds = [];
                            message.actionIds.push(reader.bytes());
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for ManifestUpload
             * @function getTypeUrl
             * @memberof gocacheprog.v1.ManifestUpload
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            ManifestUpload.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.ManifestUpload";
            };

            return ManifestUpload;
        })();

        v1.PrefetchRequest = (function() {

            /**
             * Properties of a PrefetchRequest.
             * @memberof gocacheprog.v1
             * @interface IPrefetchRequest
             * @property {Uint8Array|null} [buildKey] PrefetchRequest buildKey
             * @property {number|null} [maxBytes] PrefetchRequest maxBytes
             */

            /**
             * Constructs a new PrefetchRequest.
             * @memberof gocacheprog.v1
             * @classdesc Represents a PrefetchRequest.
             * @implements IPrefetchRequest
             * @constructor
             * @param {gocacheprog.v1.IPrefetchRequest=} [properties] Properties to set
             */
            function PrefetchRequest(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * PrefetchRequest buildKey.
             * @member {Uint8Array} buildKey
             * @memberof gocacheprog.v1.PrefetchRequest
             * @instance
             */
            PrefetchRequest.prototype.buildKey = $util.newBuffer([]);

            /**
             * PrefetchRequest maxBytes.
             * @member {number} maxBytes
             * @memberof gocacheprog.v1.PrefetchRequest
             * @instance
             */
            PrefetchRequest.prototype.maxBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new PrefetchRequest instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.PrefetchRequest
             * @static
             * @param {gocacheprog.v1.IPrefetchRequest=} [properties] Properties to set
             * @returns {gocacheprog.v1.PrefetchRequest} PrefetchRequest instance
             */
            PrefetchRequest.create = function create(properties) {
                return new PrefetchRequest(properties);
            };

            /**
             * Encodes the specified PrefetchRequest message. Does not implicitly {@link gocacheprog.v1.PrefetchRequest.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.PrefetchRequest
             * @static
             * @param {gocacheprog.v1.IPrefetchRequest} message PrefetchRequest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            PrefetchRequest.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.buildKey != null && Object.hasOwnProperty.call(message, "buildKey"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.buildKey);
                if (message.maxBytes != null && Object.hasOwnProperty.call(message, "maxBytes"))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.maxBytes);
                return writer;
            };

            /**
             * Decodes a PrefetchRequest message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.PrefetchRequest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.PrefetchRequest} PrefetchRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            PrefetchRequest.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.PrefetchRequest();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.buildKey = reader.bytes();
                            break;
                        }
                    case 2: {
                            message.maxBytes = reader.uint64();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for PrefetchRequest
             * @function getTypeUrl
             * @memberof gocacheprog.v1.PrefetchRequest
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            PrefetchRequest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.PrefetchRequest";
            };

            return PrefetchRequest;
        })();

        v1.PrefetchFrame = (function() {

            /**
             * Properties of a PrefetchFrame.
             * @memberof gocacheprog.v1
             * @interface IPrefetchFrame
             * @property {gocacheprog.v1.IPrefetchAnnounce|null} [announce] PrefetchFrame announce
             * @property {gocacheprog.v1.IPrefetchEntry|null} [entry] PrefetchFrame entry
             * @property {gocacheprog.v1.IPrefetchEnd|null} [end] PrefetchFrame end
             */

            /**
             * Constructs a new PrefetchFrame.
             * @memberof gocacheprog.v1
             * @classdesc Represents a PrefetchFrame.
             * @implements IPrefetchFrame
             * @constructor
             * @param {gocacheprog.v1.IPrefetchFrame=} [properties] Properties to set
             */
            function PrefetchFrame(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * PrefetchFrame announce.
             * @member {gocacheprog.v1.IPrefetchAnnounce|null|undefined} announce
             * @memberof gocacheprog.v1.PrefetchFrame
             * @instance
             */
            PrefetchFrame.prototype.announce = null;

            /**
             * PrefetchFrame entry.
             * @member {gocacheprog.v1.IPrefetchEntry|null|undefined} entry
             * @memberof gocacheprog.v1.PrefetchFrame
             * @instance
             */
            PrefetchFrame.prototype.entry = null;

            /**
             * PrefetchFrame end.
             * @member {gocacheprog.v1.IPrefetchEnd|null|undefined} end
             * @memberof gocacheprog.v1.PrefetchFrame
             * @instance
             */
            PrefetchFrame.prototype.end = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * PrefetchFrame kind.
             * @member {"announce"|"entry"|"end"|undefined} kind
             * @memberof gocacheprog.v1.PrefetchFrame
             * @instance
             */
            Object.defineProperty(PrefetchFrame.prototype, "kind", {
                get: $util.oneOfGetter($oneOfFields = ["announce", "entry", "end"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new PrefetchFrame instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.PrefetchFrame
             * @static
             * @param {gocacheprog.v1.IPrefetchFrame=} [properties] Properties to set
             * @returns {gocacheprog.v1.PrefetchFrame} PrefetchFrame instance
             */
            PrefetchFrame.create = function create(properties) {
                return new PrefetchFrame(properties);
            };

            /**
             * Encodes the specified PrefetchFrame message. Does not implicitly {@link gocacheprog.v1.PrefetchFrame.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.PrefetchFrame
             * @static
             * @param {gocacheprog.v1.IPrefetchFrame} message PrefetchFrame message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            PrefetchFrame.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.announce != null && Object.hasOwnProperty.call(message, "announce"))
                    $root.gocacheprog.v1.PrefetchAnnounce.encode(message.announce, writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                if (message.entry != null && Object.hasOwnProperty.call(message, "entry"))
                    $root.gocacheprog.v1.PrefetchEntry.encode(message.entry, writer.uint32(/* id 2, wireType 2 =*/18).fork(), q + 1).ldelim();
                if (message.end != null && Object.hasOwnProperty.call(message, "end"))
                    $root.gocacheprog.v1.PrefetchEnd.encode(message.end, writer.uint32(/* id 3, wireType 2 =*/26).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a PrefetchFrame message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.PrefetchFrame
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.PrefetchFrame} PrefetchFrame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            PrefetchFrame.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.PrefetchFrame();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.announce = $root.gocacheprog.v1.PrefetchAnnounce.decode(reader, reader.uint32(), undefined, long + 1);
                            break;
                        }
                    case 2: {
                            message.entry = $root.gocacheprog.v1.PrefetchEntry.decode(reader, reader.uint32(), undefined, long + 1);
                            break;
                        }
                    case 3: {
                            message.end = $root.gocacheprog.v1.PrefetchEnd.decode(reader, reader.uint32(), undefined, long + 1);
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for PrefetchFrame
             * @function getTypeUrl
             * @memberof gocacheprog.v1.PrefetchFrame
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            PrefetchFrame.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.PrefetchFrame";
            };

            return PrefetchFrame;
        })();

        v1.PrefetchAnnounce = (function() {

            /**
             * Properties of a PrefetchAnnounce.
             * @memberof gocacheprog.v1
             * @interface IPrefetchAnnounce
             * @property {Array.<gocacheprog.v1.IAnnouncedEntry>|null} [entries] PrefetchAnnounce entries
             */

            /**
             * Constructs a new PrefetchAnnounce.
             * @memberof gocacheprog.v1
             * @classdesc Represents a PrefetchAnnounce.
             * @implements IPrefetchAnnounce
             * @constructor
             * @param {gocacheprog.v1.IPrefetchAnnounce=} [properties] Properties to set
             */
            function PrefetchAnnounce(properties) {
                this.entries = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * PrefetchAnnounce entries.
             * @member {Array.<gocacheprog.v1.IAnnouncedEntry>} entries
             * @memberof gocacheprog.v1.PrefetchAnnounce
             * @instance
             */
            PrefetchAnnounce.prototype.entries = $util.emptyArray;

            /**
             * Creates a new PrefetchAnnounce instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.PrefetchAnnounce
             * @static
             * @param {gocacheprog.v1.IPrefetchAnnounce=} [properties] Properties to set
             * @returns {gocacheprog.v1.PrefetchAnnounce} PrefetchAnnounce instance
             */
            PrefetchAnnounce.create = function create(properties) {
                return new PrefetchAnnounce(properties);
            };

            /**
             * Encodes the specified PrefetchAnnounce message. Does not implicitly {@link gocacheprog.v1.PrefetchAnnounce.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.PrefetchAnnounce
             * @static
             * @param {gocacheprog.v1.IPrefetchAnnounce} message PrefetchAnnounce message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            PrefetchAnnounce.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.entries != null && message.entries.length)
                    for (let i = 0; i < message.entries.length; ++i)
                        $root.gocacheprog.v1.AnnouncedEntry.encode(message.entries[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a PrefetchAnnounce message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.PrefetchAnnounce
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.PrefetchAnnounce} PrefetchAnnounce
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            PrefetchAnnounce.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.PrefetchAnnounce();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.entries && message.entries.length))
                                message.entries = [];
                            message.entries.push($root.gocacheprog.v1.AnnouncedEntry.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for PrefetchAnnounce
             * @function getTypeUrl
             * @memberof gocacheprog.v1.PrefetchAnnounce
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            PrefetchAnnounce.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.PrefetchAnnounce";
            };

            return PrefetchAnnounce;
        })();

        v1.AnnouncedEntry = (function() {

            /**
             * Properties of an AnnouncedEntry.
             * @memberof gocacheprog.v1
             * @interface IAnnouncedEntry
             * @property {Uint8Array|null} [actionId] AnnouncedEntry actionId
             * @property {number|null} [size] AnnouncedEntry size
             */

            /**
             * Constructs a new AnnouncedEntry.
             * @memberof gocacheprog.v1
             * @classdesc Represents an AnnouncedEntry.
             * @implements IAnnouncedEntry
             * @constructor
             * @param {gocacheprog.v1.IAnnouncedEntry=} [properties] Properties to set
             */
            function AnnouncedEntry(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * AnnouncedEntry actionId.
             * @member {Uint8Array} actionId
             * @memberof gocacheprog.v1.AnnouncedEntry
             * @instance
             */
            AnnouncedEntry.prototype.actionId = $util.newBuffer([]);

            /**
             * AnnouncedEntry size.
             * @member {number} size
             * @memberof gocacheprog.v1.AnnouncedEntry
             * @instance
             */
            AnnouncedEntry.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new AnnouncedEntry instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.AnnouncedEntry
             * @static
             * @param {gocacheprog.v1.IAnnouncedEntry=} [properties] Properties to set
             * @returns {gocacheprog.v1.AnnouncedEntry} AnnouncedEntry instance
             */
            AnnouncedEntry.create = function create(properties) {
                return new AnnouncedEntry(properties);
            };

            /**
             * Encodes the specified AnnouncedEntry message. Does not implicitly {@link gocacheprog.v1.AnnouncedEntry.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.AnnouncedEntry
             * @static
             * @param {gocacheprog.v1.IAnnouncedEntry} message AnnouncedEntry message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            AnnouncedEntry.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.actionId != null && Object.hasOwnProperty.call(message, "actionId"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.actionId);
                if (message.size != null && Object.hasOwnProperty.call(message, "size"))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.size);
                return writer;
            };

            /**
             * Decodes an AnnouncedEntry message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.AnnouncedEntry
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.AnnouncedEntry} AnnouncedEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            AnnouncedEntry.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.AnnouncedEntry();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.actionId = reader.bytes();
                            break;
                        }
                    case 2: {
                            message.size = reader.uint64();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for AnnouncedEntry
             * @function getTypeUrl
             * @memberof gocacheprog.v1.AnnouncedEntry
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            AnnouncedEntry.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.AnnouncedEntry";
            };

            return AnnouncedEntry;
        })();

        /**
         * Codec enum.
         * @name gocacheprog.v1.Codec
         * @enum {number}
         * @property {number} CODEC_NONE=0 CODEC_NONE value
         * @property {number} CODEC_ZSTD=1 CODEC_ZSTD value
         */
        v1.Codec = (function() {
            const valuesById = {}, values = Object.create(valuesById);
            values[valuesById[0] = "CODEC_NONE"] = 0;
            values[valuesById[1] = "CODEC_ZSTD"] = 1;
            return values;
        })();

        v1.PrefetchEntry = (function() {

            /**
             * Properties of a PrefetchEntry.
             * @memberof gocacheprog.v1
             * @interface IPrefetchEntry
             * @property {Uint8Array|null} [actionId] PrefetchEntry actionId
             * @property {Uint8Array|null} [outputId] PrefetchEntry outputId
             * @property {number|null} [size] PrefetchEntry size
             * @property {number|null} [putTimeUnixMs] PrefetchEntry putTimeUnixMs
             * @property {number|null} [offset] PrefetchEntry offset
             * @property {Uint8Array|null} [data] PrefetchEntry data
             * @property {boolean|null} [last] PrefetchEntry last
             * @property {boolean|null} [missing] PrefetchEntry missing
             * @property {gocacheprog.v1.Codec|null} [codec] PrefetchEntry codec
             */

            /**
             * Constructs a new PrefetchEntry.
             * @memberof gocacheprog.v1
             * @classdesc Represents a PrefetchEntry.
             * @implements IPrefetchEntry
             * @constructor
             * @param {gocacheprog.v1.IPrefetchEntry=} [properties] Properties to set
             */
            function PrefetchEntry(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * PrefetchEntry actionId.
             * @member {Uint8Array} actionId
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.actionId = $util.newBuffer([]);

            /**
             * PrefetchEntry outputId.
             * @member {Uint8Array} outputId
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.outputId = $util.newBuffer([]);

            /**
             * PrefetchEntry size.
             * @member {number} size
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.size = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * PrefetchEntry putTimeUnixMs.
             * @member {number} putTimeUnixMs
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.putTimeUnixMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * PrefetchEntry offset.
             * @member {number} offset
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.offset = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * PrefetchEntry data.
             * @member {Uint8Array} data
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.data = $util.newBuffer([]);

            /**
             * PrefetchEntry last.
             * @member {boolean} last
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.last = false;

            /**
             * PrefetchEntry missing.
             * @member {boolean} missing
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.missing = false;

            /**
             * PrefetchEntry codec.
             * @member {gocacheprog.v1.Codec} codec
             * @memberof gocacheprog.v1.PrefetchEntry
             * @instance
             */
            PrefetchEntry.prototype.codec = 0;

            /**
             * Creates a new PrefetchEntry instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.PrefetchEntry
             * @static
             * @param {gocacheprog.v1.IPrefetchEntry=} [properties] Properties to set
             * @returns {gocacheprog.v1.PrefetchEntry} PrefetchEntry instance
             */
            PrefetchEntry.create = function create(properties) {
                return new PrefetchEntry(properties);
            };

            /**
             * Encodes the specified PrefetchEntry message. Does not implicitly {@link gocacheprog.v1.PrefetchEntry.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.PrefetchEntry
             * @static
             * @param {gocacheprog.v1.IPrefetchEntry} message PrefetchEntry message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            PrefetchEntry.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.actionId != null && Object.hasOwnProperty.call(message, "actionId"))
                    writer.uint32(/* id 1, wireType 2 =*/10).bytes(message.actionId);
                if (message.outputId != null && Object.hasOwnProperty.call(message, "outputId"))
                    writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.outputId);
                if (message.size != null && Object.hasOwnProperty.call(message, "size"))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.size);
                if (message.putTimeUnixMs != null && Object.hasOwnProperty.call(message, "putTimeUnixMs"))
                    writer.uint32(/* id 4, wireType 0 =*/32).int64(message.putTimeUnixMs);
                if (message.offset != null && Object.hasOwnProperty.call(message, "offset"))
                    writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.offset);
                if (message.data != null && Object.hasOwnProperty.call(message, "data"))
                    writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.data);
                if (message.last != null && Object.hasOwnProperty.call(message, "last"))
                    writer.uint32(/* id 7, wireType 0 =*/56).bool(message.last);
                if (message.missing != null && Object.hasOwnProperty.call(message, "missing"))
                    writer.uint32(/* id 8, wireType 0 =*/64).bool(message.missing);
                if (message.codec != null && Object.hasOwnProperty.call(message, "codec"))
                    writer.uint32(/* id 9, wireType 0 =*/72).int32(message.codec);
                return writer;
            };

            /**
             * Decodes a PrefetchEntry message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.PrefetchEntry
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.PrefetchEntry} PrefetchEntry
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            PrefetchEntry.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.PrefetchEntry();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.actionId = reader.bytes();
                            break;
                        }
                    case 2: {
                            message.outputId = reader.bytes();
                            break;
                        }
                    case 3: {
                            message.size = reader.uint64();
                            break;
                        }
                    case 4: {
                            message.putTimeUnixMs = reader.int64();
                            break;
                        }
                    case 5: {
                            message.offset = reader.uint64();
                            break;
                        }
                    case 6: {
                            message.data = reader.bytes();
                            break;
                        }
                    case 7: {
                            message.last = reader.bool();
                            break;
                        }
                    case 8: {
                            message.missing = reader.bool();
                            break;
                        }
                    case 9: {
                            message.codec = reader.int32();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for PrefetchEntry
             * @function getTypeUrl
             * @memberof gocacheprog.v1.PrefetchEntry
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            PrefetchEntry.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.PrefetchEntry";
            };

            return PrefetchEntry;
        })();

        v1.PrefetchEnd = (function() {

            /**
             * Properties of a PrefetchEnd.
             * @memberof gocacheprog.v1
             * @interface IPrefetchEnd
             * @property {number|null} [sent] PrefetchEnd sent
             * @property {number|null} [missing] PrefetchEnd missing
             * @property {boolean|null} [truncated] PrefetchEnd truncated
             */

            /**
             * Constructs a new PrefetchEnd.
             * @memberof gocacheprog.v1
             * @classdesc Represents a PrefetchEnd.
             * @implements IPrefetchEnd
             * @constructor
             * @param {gocacheprog.v1.IPrefetchEnd=} [properties] Properties to set
             */
            function PrefetchEnd(properties) {
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * PrefetchEnd sent.
             * @member {number} sent
             * @memberof gocacheprog.v1.PrefetchEnd
             * @instance
             */
            PrefetchEnd.prototype.sent = 0;

            /**
             * PrefetchEnd missing.
             * @member {number} missing
             * @memberof gocacheprog.v1.PrefetchEnd
             * @instance
             */
            PrefetchEnd.prototype.missing = 0;

            /**
             * PrefetchEnd truncated.
             * @member {boolean} truncated
             * @memberof gocacheprog.v1.PrefetchEnd
             * @instance
             */
            PrefetchEnd.prototype.truncated = false;

            /**
             * Creates a new PrefetchEnd instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.PrefetchEnd
             * @static
             * @param {gocacheprog.v1.IPrefetchEnd=} [properties] Properties to set
             * @returns {gocacheprog.v1.PrefetchEnd} PrefetchEnd instance
             */
            PrefetchEnd.create = function create(properties) {
                return new PrefetchEnd(properties);
            };

            /**
             * Encodes the specified PrefetchEnd message. Does not implicitly {@link gocacheprog.v1.PrefetchEnd.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.PrefetchEnd
             * @static
             * @param {gocacheprog.v1.IPrefetchEnd} message PrefetchEnd message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            PrefetchEnd.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.sent != null && Object.hasOwnProperty.call(message, "sent"))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.sent);
                if (message.missing != null && Object.hasOwnProperty.call(message, "missing"))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.missing);
                if (message.truncated != null && Object.hasOwnProperty.call(message, "truncated"))
                    writer.uint32(/* id 3, wireType 0 =*/24).bool(message.truncated);
                return writer;
            };

            /**
             * Decodes a PrefetchEnd message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.PrefetchEnd
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.PrefetchEnd} PrefetchEnd
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            PrefetchEnd.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.PrefetchEnd();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.sent = reader.uint32();
                            break;
                        }
                    case 2: {
                            message.missing = reader.uint32();
                            break;
                        }
                    case 3: {
                            message.truncated = reader.bool();
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for PrefetchEnd
             * @function getTypeUrl
             * @memberof gocacheprog.v1.PrefetchEnd
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            PrefetchEnd.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.PrefetchEnd";
            };

            return PrefetchEnd;
        })();

        v1.StoredManifests = (function() {

            /**
             * Properties of a StoredManifests.
             * @memberof gocacheprog.v1
             * @interface IStoredManifests
             * @property {Array.<gocacheprog.v1.IStoredManifest>|null} [manifests] StoredManifests manifests
             */

            /**
             * Constructs a new StoredManifests.
             * @memberof gocacheprog.v1
             * @classdesc Represents a StoredManifests.
             * @implements IStoredManifests
             * @constructor
             * @param {gocacheprog.v1.IStoredManifests=} [properties] Properties to set
             */
            function StoredManifests(properties) {
                this.manifests = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * StoredManifests manifests.
             * @member {Array.<gocacheprog.v1.IStoredManifest>} manifests
             * @memberof gocacheprog.v1.StoredManifests
             * @instance
             */
            StoredManifests.prototype.manifests = $util.emptyArray;

            /**
             * Creates a new StoredManifests instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.StoredManifests
             * @static
             * @param {gocacheprog.v1.IStoredManifests=} [properties] Properties to set
             * @returns {gocacheprog.v1.StoredManifests} StoredManifests instance
             */
            StoredManifests.create = function create(properties) {
                return new StoredManifests(properties);
            };

            /**
             * Encodes the specified StoredManifests message. Does not implicitly {@link gocacheprog.v1.StoredManifests.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.StoredManifests
             * @static
             * @param {gocacheprog.v1.IStoredManifests} message StoredManifests message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StoredManifests.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.manifests != null && message.manifests.length)
                    for (let i = 0; i < message.manifests.length; ++i)
                        $root.gocacheprog.v1.StoredManifest.encode(message.manifests[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), q + 1).ldelim();
                return writer;
            };

            /**
             * Decodes a StoredManifests message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.StoredManifests
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.StoredManifests} StoredManifests
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StoredManifests.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.StoredManifests();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            if (!(message.manifests && message.manifests.length))
                                message.manifests = [];
                            message.manifests.push($root.gocacheprog.v1.StoredManifest.decode(reader, reader.uint32(), undefined, long + 1));
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for StoredManifests
             * @function getTypeUrl
             * @memberof gocacheprog.v1.StoredManifests
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            StoredManifests.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.StoredManifests";
            };

            return StoredManifests;
        })();

        v1.StoredManifest = (function() {

            /**
             * Properties of a StoredManifest.
             * @memberof gocacheprog.v1
             * @interface IStoredManifest
             * @property {number|null} [createdUnixMs] StoredManifest createdUnixMs
             * @property {Array.<Uint8Array>|null} [actionIds] StoredManifest actionIds
             */

            /**
             * Constructs a new StoredManifest.
             * @memberof gocacheprog.v1
             * @classdesc Represents a StoredManifest.
             * @implements IStoredManifest
             * @constructor
             * @param {gocacheprog.v1.IStoredManifest=} [properties] Properties to set
             */
            function StoredManifest(properties) {
                this.actionIds = [];
                if (properties)
                    for (let keys = Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            }

            /**
             * StoredManifest createdUnixMs.
             * @member {number} createdUnixMs
             * @memberof gocacheprog.v1.StoredManifest
             * @instance
             */
            StoredManifest.prototype.createdUnixMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * StoredManifest actionIds.
             * @member {Array.<Uint8Array>} actionIds
             * @memberof gocacheprog.v1.StoredManifest
             * @instance
             */
            StoredManifest.prototype.actionIds = $util.emptyArray;

            /**
             * Creates a new StoredManifest instance using the specified properties.
             * @function create
             * @memberof gocacheprog.v1.StoredManifest
             * @static
             * @param {gocacheprog.v1.IStoredManifest=} [properties] Properties to set
             * @returns {gocacheprog.v1.StoredManifest} StoredManifest instance
             */
            StoredManifest.create = function create(properties) {
                return new StoredManifest(properties);
            };

            /**
             * Encodes the specified StoredManifest message. Does not implicitly {@link gocacheprog.v1.StoredManifest.verify|verify} messages.
             * @function encode
             * @memberof gocacheprog.v1.StoredManifest
             * @static
             * @param {gocacheprog.v1.IStoredManifest} message StoredManifest message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StoredManifest.encode = function encode(message, writer, q) {
                if (!writer)
                    writer = $Writer.create();
                if (q === undefined)
                    q = 0;
                if (q > $util.recursionLimit)
                    throw Error("max depth exceeded");
                if (message.createdUnixMs != null && Object.hasOwnProperty.call(message, "createdUnixMs"))
                    writer.uint32(/* id 1, wireType 0 =*/8).int64(message.createdUnixMs);
                if (message.actionIds != null && message.actionIds.length)
                    for (let i = 0; i < message.actionIds.length; ++i)
                        writer.uint32(/* id 2, wireType 2 =*/18).bytes(message.actionIds[i]);
                return writer;
            };

            /**
             * Decodes a StoredManifest message from the specified reader or buffer.
             * @function decode
             * @memberof gocacheprog.v1.StoredManifest
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {gocacheprog.v1.StoredManifest} StoredManifest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StoredManifest.decode = function decode(reader, length, error, long) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (long === undefined)
                    long = 0;
                if (long > $Reader.recursionLimit)
                    throw Error("maximum nesting depth exceeded");
                let end, message;
                if (length === undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = new $root.gocacheprog.v1.StoredManifest();
                while (reader.pos < end) {
                    let tag = reader.uint32();
                    if (tag === error)
                        break;
                    switch (tag >>> 3) {
                    case 1: {
                            message.createdUnixMs = reader.int64();
                            break;
                        }
                    case 2: {
                            if (!(message.actionIds && message.actionIds.length))
                                message.actionIds = [];
                            message.actionIds.push(reader.bytes());
                            break;
                        }
                    default:
                        reader.skipType(tag & 7, long);
                        break;
                    }
                }
                if (length !== undefined) {
                    if (reader.pos !== end)
                        throw RangeError("index out of range");
                    reader.len = length;
                }
                return message;
            };

            /**
             * Gets the default type url for StoredManifest
             * @function getTypeUrl
             * @memberof gocacheprog.v1.StoredManifest
             * @static
             * @param {string} [typeUrlPrefix] your custom typeUrlPrefix(default "type.googleapis.com")
             * @returns {string} The default type url
             */
            StoredManifest.getTypeUrl = function getTypeUrl(typeUrlPrefix) {
                if (typeUrlPrefix === undefined) {
                    typeUrlPrefix = "type.googleapis.com";
                }
                return typeUrlPrefix + "/gocacheprog.v1.StoredManifest";
            };

            return StoredManifest;
        })();

        return v1;
    })();

    return gocacheprog;
})();

export { $root as default };
