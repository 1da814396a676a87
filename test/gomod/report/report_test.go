package report

import (
	"os"
	"strings"
	"testing"

	"example.com/gomod/stats"
)

func TestRender(t *testing.T) {
	got, err := Render(stats.Summary{Count: 2, TotalArea: 3.5, Largest: "circle"})
	if err != nil {
		t.Fatal(err)
	}
	want := "report v3: 2 shapes, total area 3.50, largest circle\n"
	if got != want {
		t.Fatalf("Render = %q, want %q", got, want)
	}
}

// TestRenderGolden reads a testdata file, so go caches its result under that file's size and mtime
// (test/test-results.test.ts checks that a canonicalized fresh checkout still hits it).
func TestRenderGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			want.WriteString(line)
		}
	}
	got, err := Render(stats.Summary{Count: 3, TotalArea: 19.57, Largest: "circle"})
	if err != nil {
		t.Fatal(err)
	}
	if got != want.String() {
		t.Fatalf("Render = %q, want %q (testdata/golden.txt)", got, want.String())
	}
}
