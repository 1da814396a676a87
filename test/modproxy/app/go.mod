module example.com/modproxy-app

go 1.24

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/Masterminds/semver/v3 v3.5.0
	github.com/dustin/go-humanize v1.1.0
	github.com/google/uuid v1.6.0
	github.com/pkg/errors v0.9.1
	gopkg.in/yaml.v3 v3.0.1
)
