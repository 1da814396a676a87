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

        return v1;
    })();

    return gocacheprog;
})();

export { $root as default };
