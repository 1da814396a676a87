module example.com/hello

go 1.24

require golang.org/x/sync v0.16.0
