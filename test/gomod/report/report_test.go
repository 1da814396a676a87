package report

import (
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
