// Package codec pulls in heavier standard packages (encoding/json, crypto/sha256)
// so a cold build compiles a meaningful number of packages.
package codec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Envelope is a payload with its digest.
type Envelope struct {
	Payload json.RawMessage `json:"payload"`
	SHA256  string          `json:"sha256"`
}

// Seal marshals v and records the digest of the encoding.
func Seal(v any) ([]byte, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(payload)
	return json.Marshal(Envelope{Payload: payload, SHA256: hex.EncodeToString(sum[:])})
}

// Digest returns the hex digest recorded in a sealed envelope.
func Digest(sealed []byte) (string, error) {
	var e Envelope
	if err := json.Unmarshal(sealed, &e); err != nil {
		return "", err
	}
	return e.SHA256, nil
}
