// Command demo uses every library package, so its output changes if any cached archive is wrong.
package main

import (
	"fmt"
	"os"

	"example.com/gomod/cmath"
	"example.com/gomod/codec"
	"example.com/gomod/report"
	"example.com/gomod/shapes"
	"example.com/gomod/stats"
)

func main() {
	summary := stats.Summarize([]shapes.Shape{shapes.Rect{W: 2, H: 3}, shapes.Circle{R: 2}, shapes.Rect{W: 1, H: 1}})
	text, err := report.Render(summary)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(text)
	sealed, err := codec.Seal(summary)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	digest, _ := codec.Digest(sealed)
	fmt.Printf("digest %s\n", digest)
	fmt.Printf("cgo checksum %d\n", cmath.Checksum([]byte(text)))
}
