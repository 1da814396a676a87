package shapes

import (
	"math"
	"testing"
)

func TestRectArea(t *testing.T) {
	if got := (Rect{W: 3, H: 4}).Area(); got != 12 {
		t.Fatalf("Rect{3,4}.Area() = %v, want 12", got)
	}
}

func TestCircleArea(t *testing.T) {
	if got := (Circle{R: 1}).Area(); math.Abs(got-math.Pi) > 1e-12 {
		t.Fatalf("Circle{1}.Area() = %v, want pi", got)
	}
}
