// Package stats sits in the middle of the dependency chain: it depends on shapes.
package stats

import (
	"sort"

	"example.com/gomod/shapes"
)

// Summary describes a set of shapes.
type Summary struct {
	Count     int
	TotalArea float64
	Largest   string
}

// Summarize totals the areas and names the largest shape (ties keep the first).
func Summarize(all []shapes.Shape) Summary {
	s := Summary{Count: len(all)}
	if len(all) == 0 {
		return s
	}
	sorted := append([]shapes.Shape(nil), all...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Area() > sorted[j].Area() })
	for _, sh := range all {
		s.TotalArea += sh.Area()
	}
	s.Largest = sorted[0].Name()
	return s
}
