package model

import (
	"reflect"
	"strings"
	"testing"
)

// unnormalized is a configuration that Normalize changes at every level:
// endpoint defaults and order, version order, policy defaults, a lane's
// cookie lifetime, a gateway route's namespace.
func unnormalized() *Config {
	return &Config{
		Lanes: []Lane{{Name: "canary", Sticky: &Sticky{Cookie: "uid"}}},
		Services: []Service{{Name: "a", Port: 80,
			Versions: []Version{{Name: "v2", Lane: "canary"}, {Name: "v1", Endpoints: []Endpoint{{Address: "10.0.0.9"}, {Address: "10.0.0.2"}}}},
			Policy:   Policy{RateLimit: &RateLimit{RequestsPerSecond: 5}, Retries: &Retries{Attempts: 1}}}},
		Gateways: []Gateway{{Name: "g", Port: 8080, Routes: []GatewayRoute{{Service: ServiceRef{Name: "a"}}}}},
	}
}

// TestNormalizeAfterMergeLeavesThePartsAlone: a merge shares what lies
// below its services with the parts, and normalizing it copies before
// changing anything there.
func TestNormalizeAfterMergeLeavesThePartsAlone(t *testing.T) {
	part := unnormalized()
	before := part.DeepCopy()
	merged, err := Merge(part)
	if err != nil {
		t.Fatal(err)
	}
	merged.Normalize()
	if !reflect.DeepEqual(part, before) {
		t.Errorf("normalizing a merge changed its part:\n%+v\nwant\n%+v", part, before)
	}
	again := before.DeepCopy()
	again.Normalize()
	if m := mergedOf(t, again); !reflect.DeepEqual(merged.Services, m.Services) ||
		!reflect.DeepEqual(merged.Lanes, m.Lanes) || !reflect.DeepEqual(merged.Gateways, m.Gateways) {
		t.Error("a normalized merge differs from the merge of the normalized part")
	}
}

func mergedOf(t *testing.T, c *Config) *Config {
	t.Helper()
	m, err := Merge(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Normalize()
	return m
}

// TestNormalizedPartsStayShared: normalizing a merge of normalized parts
// writes nothing below them, so a service keeps the very lists of its
// source.
func TestNormalizedPartsStayShared(t *testing.T) {
	part := unnormalized()
	part.Normalize()
	merged := mergedOf(t, part)
	if &merged.Services[0].Versions[0] != &part.Services[0].Versions[0] {
		t.Error("a normalized service was copied")
	}
	if &merged.Gateways[0].Routes[0] != &part.Gateways[0].Routes[0] {
		t.Error("a normalized gateway was copied")
	}
}

// twoServices is a valid configuration of two services.
func twoServices() *Config {
	c := valid()
	other := c.Services[0].deepCopy()
	other.Name = "ratings"
	c.Services = append(c.Services, other)
	c.Normalize()
	return c
}

func TestReuseKeepsTheLastOfEachUnchangedService(t *testing.T) {
	last := twoServices()
	next := last.DeepCopy()
	next.Services[0].Policy.Timeout++
	reused := Reuse(next, last)
	if reused[0] || !reused[1] {
		t.Fatalf("reused %v, want the unchanged second service alone", reused)
	}
	if &next.Services[1].Versions[0] != &last.Services[1].Versions[0] {
		t.Error("the unchanged service does not share the last one's lists")
	}
	// Services that moved are found by key.
	moved := last.DeepCopy()
	moved.Services = append([]Service{{Name: "aaa", Namespace: "default", Port: 1}}, moved.Services...)
	if got := Reuse(moved, last); !reflect.DeepEqual(got, []bool{false, true, true}) {
		t.Errorf("after an insertion, reused %v", got)
	}
}

// TestRevalidateChecksWhatChanged: a reused service is not checked on its
// own again, but a changed one is, what spans services is, and every
// service is once the lanes change.
func TestRevalidateChecksWhatChanged(t *testing.T) {
	last := twoServices()
	if err := Validate(last); err != nil {
		t.Fatal(err)
	}
	t.Run("a changed service", func(t *testing.T) {
		next := last.DeepCopy()
		next.Services[0].Port = 0
		if err := Revalidate(next, last, Reuse(next, last)); err == nil || !strings.Contains(err.Error(), "port 0") {
			t.Errorf("a broken changed service: %v", err)
		}
	})
	t.Run("a duplicate", func(t *testing.T) {
		next := last.DeepCopy()
		next.Services = append(next.Services, next.Services[1])
		if err := Revalidate(next, last, Reuse(next, last)); err == nil || !strings.Contains(err.Error(), "defined twice") {
			t.Errorf("a duplicate of a reused service: %v", err)
		}
	})
	t.Run("a lane removed", func(t *testing.T) {
		next := last.DeepCopy()
		next.Lanes = nil
		if err := Revalidate(next, last, Reuse(next, last)); err == nil || !strings.Contains(err.Error(), "lane") {
			t.Errorf("reused services whose lane is gone: %v", err)
		}
	})
	t.Run("a gateway route made ambiguous", func(t *testing.T) {
		next := last.DeepCopy()
		other := next.Service(ServiceRef{Name: "reviews", Namespace: DefaultNamespace}).deepCopy()
		other.Port++
		next.Services = append(next.Services, other)
		if err := Revalidate(next, last, Reuse(next, last)); err == nil || !strings.Contains(err.Error(), "several ports") {
			t.Errorf("a known route to a service that now has two ports: %v", err)
		}
	})
	t.Run("a gateway route changed", func(t *testing.T) {
		next := last.DeepCopy()
		next.Gateways[0].Routes[0].Weights = map[string]Weight{"v9": WeightFull}
		if err := Revalidate(next, last, Reuse(next, last)); err == nil || !strings.Contains(err.Error(), "v9") {
			t.Errorf("a route whose weights name no version: %v", err)
		}
	})
	t.Run("nothing changed", func(t *testing.T) {
		next := last.DeepCopy()
		if err := Revalidate(next, last, Reuse(next, last)); err != nil {
			t.Error(err)
		}
	})
}
