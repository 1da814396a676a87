package stats_test

import (
	"testing"

	"example.com/gomod/shapes"
	"example.com/gomod/stats"
)

func TestSummarize(t *testing.T) {
	got := stats.Summarize([]shapes.Shape{shapes.Rect{W: 1, H: 2}, shapes.Rect{W: 5, H: 5}})
	if got.Count != 2 || got.TotalArea != 27 || got.Largest != "rect" {
		t.Fatalf("Summarize = %+v", got)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	if got := stats.Summarize(nil); got.Count != 0 || got.Largest != "" {
		t.Fatalf("Summarize(nil) = %+v", got)
	}
}
