// Package report renders a summary through templates embedded with go:embed,
// so its compile action depends on non-Go files.
package report

import (
	"embed"
	"strings"
	"text/template"

	"example.com/gomod/stats"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

//go:embed VERSION
var version string

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.tmpl"))

// Version is the embedded report format version.
func Version() string { return strings.TrimSpace(version) }

// Render formats s with the embedded summary template.
func Render(s stats.Summary) (string, error) {
	var b strings.Builder
	err := templates.ExecuteTemplate(&b, "summary.tmpl", struct {
		stats.Summary
		Version string
	}{s, Version()})
	return b.String(), err
}
