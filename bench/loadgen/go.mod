module gocacheprog.bench/loadgen

go 1.24
