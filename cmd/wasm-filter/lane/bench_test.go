package lane

import "testing"

var sink uint64

func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sink += Hash("canary", "5f0e8a3c-2b1d-4c6e-9f7a-0123456789ab")
	}
}

func BenchmarkDecide(b *testing.B) {
	tb := mustParse(b, fullConfig)
	cases := []struct {
		name string
		h    headers
	}{
		{"sticky-header", headers{"x-user-id": "5f0e8a3c-2b1d-4c6e-9f7a-0123456789ab"}},
		{"sticky-cookie", headers{"cookie": "session=xyz; uid=0123456789abcdef; theme=dark"}},
		{"match", headers{"x-debug-lane": "canary"}},
		{"new-cookie", headers{}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := seeded(1)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink += uint64(tb.Decide(c.h, r).Lane)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse([]byte(fullConfig)); err != nil {
			b.Fatal(err)
		}
	}
}

var sinkString string

// BenchmarkBaggage is the cost of the baggage header to forward: none
// incoming, a typical OpenTelemetry header, and one whose lane member is
// replaced.
func BenchmarkBaggage(b *testing.B) {
	tb := mustParse(b, fullConfig)
	d := tb.Decide(headers{"x-debug-lane": "canary"}, seeded(1))
	for _, c := range []struct{ name, in string }{
		{"none", ""},
		{"otel", "userId=alice,tenant=acme;scope=org,session=5f0e8a3c"},
		{"replace", "userId=alice,graylane-lane=beta,tenant=acme;scope=org"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sinkString = tb.Baggage(c.in, d)
			}
		})
	}
}
