// Package shapes is the leaf of the library's dependency chain.
package shapes

import "math"

// Shape is anything with an area and a name.
type Shape interface {
	Area() float64
	Name() string
}

// Rect is an axis-aligned rectangle.
type Rect struct{ W, H float64 }

func (r Rect) Area() float64 { return r.W * r.H }
func (r Rect) Name() string  { return "rect" }

// Circle is a circle of radius R.
type Circle struct{ R float64 }

func (c Circle) Area() float64 { return math.Pi * c.R * c.R }
func (c Circle) Name() string  { return "circle" }
