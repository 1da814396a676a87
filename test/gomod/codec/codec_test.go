package codec

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestSealDigest(t *testing.T) {
	sealed, err := Seal(map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Digest(sealed)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(`{"a":1}`))
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("Digest = %s, want %s", got, want)
	}
}
