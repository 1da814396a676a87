package cmath

import "testing"

func goChecksum(b []byte) int64 {
	h := int64(7)
	for _, c := range b {
		h = h*31 + int64(c)
	}
	return h
}

func TestChecksumMatchesGo(t *testing.T) {
	for _, s := range []string{"", "a", "gocacheprog", "the quick brown fox"} {
		if got, want := Checksum([]byte(s)), goChecksum([]byte(s)); got != want {
			t.Errorf("Checksum(%q) = %d, want %d", s, got, want)
		}
	}
}
