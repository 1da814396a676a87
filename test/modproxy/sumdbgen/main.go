// sumdbgen writes a checksum database for the modules in a directory in GOPROXY layout, as static
// files the e2e tests' loopback upstream serves under /sumdb/<name>/. It signs the tree with a key
// it generates, so go can verify go.sum lines through gocacheprog-server's /gomod/sumdb/ routes with
// GOSUMDB=<the vkey it writes> and no other host involved.
//
//	sumdbgen -proxy <dir> -name <sumdb name> -out <dir>
//
// writes <out>/sumdb/<name>/{supported,latest,lookup/...,tile/...} and <out>/vkey.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	proxyDir := flag.String("proxy", "", "directory in GOPROXY layout (a GOMODCACHE/cache/download)")
	name := flag.String("name", "", "checksum database name")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *proxyDir == "" || *name == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}

	mods, err := findModules(*proxyDir)
	if err != nil {
		log.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		log.Fatal(err)
	}
	gosum := func(path, vers string) ([]byte, error) { return goSumLines(*proxyDir, path, vers) }
	ops := sumdb.NewTestServer(skey, gosum)
	// Every record goes into the tree first, so every lookup and tile below is of the final tree.
	for _, m := range mods {
		if _, err := ops.Lookup(context.Background(), m); err != nil {
			log.Fatalf("%v: %v", m, err)
		}
	}
	server := sumdb.NewServer(ops)
	root := filepath.Join(*out, "sumdb", *name)
	save := func(remote string) {
		rec := httptest.NewRecorder()
		server.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+remote, nil))
		if rec.Code != http.StatusOK {
			log.Fatalf("%s: %d %s", remote, rec.Code, rec.Body.String())
		}
		write(filepath.Join(root, filepath.FromSlash(remote)), rec.Body.Bytes())
	}
	for _, m := range mods {
		epath, _ := module.EscapePath(m.Path)
		evers, _ := module.EscapeVersion(m.Version)
		save("lookup/" + epath + "@" + evers)
	}
	save("latest")
	for _, t := range tlog.NewTiles(8, 0, int64(len(mods))) {
		save(t.Path())
		if t.L == 0 {
			t.L = -1
			save(t.Path())
		}
	}
	write(filepath.Join(root, "supported"), nil)
	write(filepath.Join(*out, "vkey"), []byte(vkey))
	fmt.Printf("%d records\n", len(mods))
}

// findModules lists every module version with a .mod file, sorted so the tree is reproducible.
func findModules(dir string) ([]module.Version, error) {
	var mods []module.Version
	err := filepath.WalkDir(dir, func(file string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(file, ".mod") {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(file, dir+string(filepath.Separator)))
		escPath, escFile, ok := strings.Cut(rel, "/@v/")
		if !ok || strings.HasPrefix(rel, "sumdb/") {
			return nil
		}
		path, err := module.UnescapePath(escPath)
		if err != nil {
			return err
		}
		vers, err := module.UnescapeVersion(strings.TrimSuffix(escFile, ".mod"))
		if err != nil {
			return err
		}
		mods = append(mods, module.Version{Path: path, Version: vers})
		return nil
	})
	sort.Slice(mods, func(i, j int) bool { return mods[i].String() < mods[j].String() })
	return mods, err
}

// goSumLines computes the go.sum lines of one module version from its files, as go does.
func goSumLines(dir, path, vers string) ([]byte, error) {
	epath, err := module.EscapePath(path)
	if err != nil {
		return nil, err
	}
	evers, err := module.EscapeVersion(vers)
	if err != nil {
		return nil, err
	}
	base := filepath.Join(dir, filepath.FromSlash(epath), "@v", evers)
	var lines strings.Builder
	if _, err := os.Stat(base + ".zip"); err == nil {
		h, err := dirhash.HashZip(base+".zip", dirhash.Hash1)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&lines, "%s %s %s\n", path, vers, h)
	}
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return os.Open(base + ".mod") })
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&lines, "%s %s/go.mod %s\n", path, vers, h)
	return []byte(lines.String()), nil
}

func write(file string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		log.Fatal(err)
	}
}
