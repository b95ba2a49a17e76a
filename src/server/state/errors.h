/* Every error the service answers with: one table, so the responses, the access log, the
 * OpenAPI description's test (facelive serve --describe) and docs/server.md cannot disagree.
 * The body is always {"error": {"code": CODE, "message": ...}, "request_id": ...}. */
#ifndef FL_SERVER_ERRORS_H
#define FL_SERVER_ERRORS_H

/* X(id, http status, code, message) */
#define SRV_ERROR_MAP(X)                                                                                    \
    X(SRV_E_NOT_FOUND, 404, "not_found", "no such route")                                                   \
    X(SRV_E_BAD_REQUEST, 400, "bad_request",                                                                \
      "the request's HTTP framing or headers are ambiguous or malformed")                                   \
    X(SRV_E_METHOD, 405, "method_not_allowed", "this route does not take this method")                      \
    X(SRV_E_API_KEY_MISSING, 401, "api_key_missing", "send the tenant's key as Authorization: Bearer KEY")  \
    X(SRV_E_API_KEY_INVALID, 401, "api_key_invalid", "the API key is not one of a configured tenant")       \
    X(SRV_E_RATE_LIMITED, 429, "rate_limited", "the tenant's request rate limit is reached; see Retry-After") \
    X(SRV_E_BODY_TOO_LARGE, 413, "body_too_large", "the request body exceeds the size limit")               \
    X(SRV_E_REQUEST_TIMEOUT, 408, "request_timeout",                                                        \
      "the request did not arrive within request_timeout_s (a body still arriving: the connection is closed)") \
    X(SRV_E_CONTENT_TYPE, 415, "unsupported_content_type",                                                  \
      "send application/json or multipart/form-data")                                                       \
    X(SRV_E_JSON_INVALID, 400, "json_invalid", "the body is not valid JSON")                                \
    X(SRV_E_JSON_TOO_DEEP, 400, "json_too_deep", "the JSON body nests deeper than the limit")               \
    X(SRV_E_MULTIPART_INVALID, 400, "multipart_invalid", "the multipart body is malformed")                 \
    X(SRV_E_FIELD_INVALID, 400, "field_invalid", "a field is missing or has the wrong type")                \
    X(SRV_E_NO_IMAGES, 400, "no_images", "the request holds no image")                                      \
    X(SRV_E_TOO_MANY_IMAGES, 400, "too_many_images", "the request holds more images than the limit")        \
    X(SRV_E_BASE64_INVALID, 400, "base64_invalid", "an image is not valid base64")                          \
    X(SRV_E_BOX_INVALID, 400, "box_invalid", "a face box must be [x, y, width, height] inside the image")   \
    X(SRV_E_BOX_MISMATCH, 422, "box_mismatch",                                                             \
      "a face box does not match the face the server found in its image")                                   \
    X(SRV_E_TIMESTAMPS_INVALID, 400, "timestamps_invalid",                                                  \
      "every frame needs a time in seconds, never decreasing")                                              \
    X(SRV_E_IMAGE_TOO_LARGE, 413, "image_too_large", "an image exceeds the byte, side or pixel limit")      \
    X(SRV_E_IMAGE_INVALID, 422, "image_invalid", "an image is not a readable JPEG or PNG")                  \
    X(SRV_E_VIDEO_INVALID, 422, "video_invalid",                                                            \
      "the video cannot be read, or holds what no camera records (frame rate, frame count, decoding time)") \
    X(SRV_E_VIDEO_FORMAT, 415, "video_format", "send the video as MP4, MOV or WebM")                      \
    X(SRV_E_TOKEN_MALFORMED, 400, "token_malformed", "the challenge token is not a facelive token")         \
    X(SRV_E_TOKEN_FORGED, 403, "token_forged", "the challenge token's signature is not valid")              \
    X(SRV_E_TOKEN_OTHER_TENANT, 403, "token_other_tenant", "the challenge was issued to another tenant")    \
    X(SRV_E_TOKEN_EXPIRED, 410, "token_expired", "the challenge token has expired")                         \
    X(SRV_E_TOKEN_USED, 409, "token_used", "the challenge token was already used")                          \
    X(SRV_E_STORE_UNAVAILABLE, 503, "store_unavailable",                                                    \
      "the token store cannot be reached; tokens are refused until it can")                                 \
    X(SRV_E_OVERLOADED, 503, "overloaded", "every inference slot is busy; try again")                       \
    X(SRV_E_LOCAL_UNAVAILABLE, 503, "local_unavailable",                                                    \
      "this is the provider adapter: only /v1/liveness is answered (by the provider)")                      \
    X(SRV_E_SHUTTING_DOWN, 503, "shutting_down", "this worker is stopping; try again")                      \
    X(SRV_E_PROVIDER_UNAVAILABLE, 502, "provider_unavailable",                                              \
      "the third-party provider did not answer; the local verdict is included")                             \
    X(SRV_E_PROVIDER_CIRCUIT_OPEN, 503, "provider_circuit_open",                                            \
      "the third-party provider is failing and is not called for now; the local verdict is included")       \
    X(SRV_E_INTERNAL, 500, "internal_error", "the server failed while handling the request")

typedef enum srv_error {
    SRV_OK = 0,
#define SRV_ERROR_ENUM_(id, status, code, msg) id,
    SRV_ERROR_MAP(SRV_ERROR_ENUM_)
#undef SRV_ERROR_ENUM_
    SRV_ERROR_COUNT
} srv_error;

int srv_error_status(srv_error e);
const char *srv_error_code(srv_error e);
const char *srv_error_message(srv_error e);

#endif
