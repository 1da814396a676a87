// Command loadgen is the bench's second load generator: N keep-alive connections, each sending
// GETs in a loop over a rotating list of paths for a fixed time, reading every body to the end.
//
// autocannon (JavaScript) parses every response on one event loop; with 1 MiB bodies on a 2-core
// machine it is itself a bottleneck and shares the cores with the server it measures. Go's HTTP
// client spreads the reading over both cores at a fraction of the CPU, so its figure is closer to
// what the server can do. Standard library only: it builds offline with the bench's own go.
//
// Usage: loadgen -url http://127.0.0.1:8080 -c 16 -d 8s -paths paths.txt
// Prints one JSON object: requests, req/s, latency percentiles, bytes, non-2xx answers, errors.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Requests       int64   `json:"requests"`
	RequestsPerSec float64 `json:"requestsPerSec"`
	P50Ms          float64 `json:"p50Ms"`
	P99Ms          float64 `json:"p99Ms"`
	Bytes          int64   `json:"bytes"`
	Non2xx         int64   `json:"non2xx"`
	Errors         int64   `json:"errors"`
	Seconds        float64 `json:"seconds"`
}

func main() {
	base := flag.String("url", "", "server base URL, e.g. http://127.0.0.1:8080")
	conns := flag.Int("c", 16, "connections (one worker each)")
	duration := flag.Duration("d", 8*time.Second, "how long to send requests")
	pathsFile := flag.String("paths", "", "file of request paths, one a line, used in turn")
	token := flag.String("token", "", "bearer token, if the server wants one")
	flag.Parse()
	paths, err := readPaths(*pathsFile)
	if err != nil || *base == "" || len(paths) == 0 {
		fmt.Fprintln(os.Stderr, "loadgen: need -url and a -paths file with at least one path:", err)
		os.Exit(2)
	}
	transport := &http.Transport{
		MaxIdleConns:        *conns,
		MaxIdleConnsPerHost: *conns,
		MaxConnsPerHost:     *conns,
		// The cache's own negotiation is zstd or nothing; no gzip Accept-Encoding from Go either.
		DisableCompression: true,
	}
	client := &http.Client{Transport: transport}

	var next, requests, bytes, non2xx, errors atomic.Int64
	latencies := make([][]time.Duration, *conns)
	deadline := time.Now().Add(*duration)
	started := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for time.Now().Before(deadline) {
				path := paths[int(next.Add(1)-1)%len(paths)]
				req, _ := http.NewRequest(http.MethodGet, *base+path, nil)
				if *token != "" {
					req.Header.Set("Authorization", "Bearer "+*token)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errors.Add(1)
					continue
				}
				n, err := io.CopyBuffer(io.Discard, resp.Body, buf)
				resp.Body.Close()
				if err != nil {
					errors.Add(1)
					continue
				}
				latencies[w] = append(latencies[w], time.Since(t0))
				requests.Add(1)
				bytes.Add(n)
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					non2xx.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	out := result{
		Requests:       requests.Load(),
		RequestsPerSec: float64(requests.Load()) / elapsed,
		P50Ms:          percentileMs(all, 0.50),
		P99Ms:          percentileMs(all, 0.99),
		Bytes:          bytes.Load(),
		Non2xx:         non2xx.Load(),
		Errors:         errors.Load(),
		Seconds:        elapsed,
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func percentileMs(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

func readPaths(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var paths []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); line != "" {
			paths = append(paths, line)
		}
	}
	return paths, scanner.Err()
}
