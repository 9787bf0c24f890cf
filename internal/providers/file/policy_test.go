package file

import (
	"strings"
	"testing"
	"time"

	"github.com/graylane/graylane/model"
)

func annotationPos(field string) string {
	return "Service default/reviews: annotation graylane.io/" + field
}

func TestParsePolicyDecodesFieldsLikeTheFile(t *testing.T) {
	p, err := ParsePolicy(map[string]string{
		"loadBalancer": "ring_hash",
		"hashOn":       "{header: x-user-id}",
		"timeout":      "5s",
		"retries":      "{attempts: 2, retryOn: [5xx, reset], perTryTimeout: 1s}",
		"rateLimit":    "{requestsPerSecond: 100}",
	}, annotationPos)
	if err != nil {
		t.Fatal(err)
	}
	if p.LoadBalancer != model.LBRingHash || p.HashOn == nil || p.HashOn.Header != "x-user-id" || p.Timeout != 5*time.Second {
		t.Errorf("policy = %+v", p)
	}
	if r := p.Retries; r == nil || r.Attempts != 2 || strings.Join(r.RetryOn, ",") != "5xx,reset" || r.PerTryTimeout != time.Second {
		t.Errorf("retries = %+v", p.Retries)
	}
	if p.RateLimit == nil || p.RateLimit.RequestsPerSecond != 100 {
		t.Errorf("rateLimit = %+v", p.RateLimit)
	}
}

func TestParsePolicyPutsEveryProblemAtItsField(t *testing.T) {
	p, err := ParsePolicy(map[string]string{
		"timeout":      "soon",
		"retries":      "{attempts: two}",
		"timeOut":      "5s",
		"rateLimit":    "{requestsPerSecond: 10",
		"loadBalancer": "maglev",
	}, annotationPos)
	got := problems(err)
	want := []string{
		`Service default/reviews: annotation graylane.io/rateLimit: while parsing a flow mapping: did not find expected ',' or '}'`,
		`Service default/reviews: annotation graylane.io/retries: want a whole number, got the string "two"`,
		`Service default/reviews: annotation graylane.io/timeOut: unknown field "timeOut"`,
		`Service default/reviews: annotation graylane.io/timeout: duration "soon" must look like 250ms, 5s or 1m30s`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.LoadBalancer != model.LBMaglev {
		t.Errorf("the valid field was lost: %+v", p)
	}
}
