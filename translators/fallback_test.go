package translators_test

import (
	"slices"
	"testing"

	"github.com/graylane/graylane/translators"
)

func TestFallbacksListsLaneVersionsWithoutEndpoints(t *testing.T) {
	got := translators.Fallbacks(loadCase(t, "testdata/fallback.in.yaml"))
	want := []translators.Fallback{
		{Service: "cart.default:8080", Version: "v2", Lane: "canary", Active: true},
		{Service: "cart.default:8080", Version: "v3", Lane: "beta"},
		{Service: "queue.default:5672", Version: "v2", Lane: "canary"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Fallbacks = %+v, want %+v", got, want)
	}
}
