package main

import "testing"

func TestPercentForKeepsHeadroomAboveASmallHeap(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, gcPercent},         // not measured yet
		{2 << 20, 800},         // 2 MiB live: next collection at 18 MiB
		{8 << 20, gcPercent},   // 8 MiB: 200 % is already 16 MiB above
		{100 << 20, gcPercent}, // a large heap keeps the proportional rule
	} {
		if got := percentFor(c.live); got != c.want {
			t.Errorf("percentFor(%d) = %d, want %d", c.live, got, c.want)
		}
	}
}
