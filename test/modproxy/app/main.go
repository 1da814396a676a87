// The program the module-proxy e2e tests download and build through gocacheprog-server's /gomod
// routes: a handful of small real modules, one with upper-case letters in its path (go's "!"
// case encoding) and one with a /vN major-version suffix.
package main

import (
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/semver/v3"
	"github.com/dustin/go-humanize"
	"github.com/google/uuid"
	"github.com/pkg/errors"
	"gopkg.in/yaml.v3"
)

type config struct {
	Name    string `toml:"name" yaml:"name"`
	Version string `toml:"version" yaml:"version"`
}

func main() {
	var cfg config
	if _, err := toml.Decode("name = \"modproxy\"\nversion = \"1.4.2\"\n", &cfg); err != nil {
		fail(errors.Wrap(err, "toml"))
	}
	v, err := semver.NewVersion(cfg.Version)
	if err != nil {
		fail(errors.Wrap(err, "semver"))
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		fail(errors.Wrap(err, "yaml"))
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("gocacheprog"))
	fmt.Printf("%s %s next %s\n", cfg.Name, v, v.IncMinor().String())
	fmt.Printf("%s", out)
	fmt.Printf("%s %s\n", id, humanize.Bytes(123456789))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
