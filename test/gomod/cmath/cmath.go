// Package cmath calls into C so that builds exercise cgo and the C compiler.
package cmath

/*
#include <stdint.h>

static int64_t checksum(const unsigned char *p, int n) {
	int64_t h = 7;
	for (int i = 0; i < n; i++) h = h * 31 + p[i];
	return h;
}
*/
import "C"

import "unsafe"

// Checksum hashes b with a C loop (31-multiplier polynomial).
func Checksum(b []byte) int64 {
	if len(b) == 0 {
		return int64(C.checksum(nil, 0))
	}
	return int64(C.checksum((*C.uchar)(unsafe.Pointer(&b[0])), C.int(len(b))))
}
