package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// controlPlaneConfig is the configuration the control plane writes for a
// gateway, kept as a golden file by its lanefilter package: the filter must
// read exactly what the control plane sends.
const controlPlaneConfig = "../../internal/lanefilter/testdata/plugin-config.json"

// testControlPlaneConfig loads the control plane's configuration (canary
// 10.5% sticky by x-user-id, matched by the cookie lane=canary; beta 1.25%
// sticky by the cookie uid, 5400 s) and checks what each part does.
func testControlPlaneConfig(t *testing.T, newHost newHost) {
	data, err := os.ReadFile(controlPlaneConfig)
	if err != nil {
		t.Fatal(err)
	}
	h := started(t, newHost, string(data))
	up, _ := h.exchange(baseRequest([2]string{"cookie", "lane=canary"}, [2]string{"x-canary", "beta"},
		[2]string{"baggage", "graylane-lane=beta,userId=alice"}))
	if got := laneOf(t, up, "x-canary"); got != "canary" {
		t.Errorf("the lane=canary cookie led to %s", got)
	}
	if got := baggageOf(t, up); got != "userId=alice,graylane-lane=canary" {
		t.Errorf("the lane=canary cookie led to baggage %q", got)
	}
	// A user the canary does not take reaches beta, which assigns the uid
	// cookie; with it, the user's next request lands in the same lane.
	for i := range 50 {
		user := [2]string{"x-user-id", "u-" + itoa(i)}
		up, down := h.exchange(baseRequest(user))
		first := laneOf(t, up, "x-canary")
		if first == "canary" {
			continue
		}
		cookie, ok := header(t, down, "set-cookie")
		if !ok || !strings.HasPrefix(cookie, "uid=") || !strings.Contains(cookie, "Max-Age=5400") {
			t.Fatalf("user %s in %s got set-cookie %q", user[1], first, cookie)
		}
		id, _, _ := strings.Cut(cookie, ";")
		up, _ = h.exchange(baseRequest(user, [2]string{"cookie", id}))
		if again := laneOf(t, up, "x-canary"); again != first {
			t.Fatalf("user %s: %s, then %s with the cookie %s", user[1], first, again, id)
		}
	}
	const n = 20000
	counts := tally(t, h, n, func(i int) [][2]string {
		return baseRequest([2]string{"x-user-id", "user-" + itoa(i)}, [2]string{"cookie", "uid=id-" + itoa(i)})
	})
	checkShares(t, counts, n, []string{"canary", "beta"}, []float64{10.5, 1.25})
}

func itoa(i int) string { return strconv.Itoa(i) }
