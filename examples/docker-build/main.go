// Command hello is the app the example Dockerfile builds: small, but with one module dependency so
// the `go mod download` layer has something to cache.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sync/errgroup"
)

func main() {
	g, _ := errgroup.WithContext(context.Background())
	words := make([]string, 3)
	for i, w := range []string{"hello", "from", "gocacheprog"} {
		g.Go(func() error {
			words[i] = w
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(words[0], words[1], words[2], "("+runtime.Version()+")")
}
