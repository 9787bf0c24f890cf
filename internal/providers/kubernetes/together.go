package kubernetes

import (
	"errors"

	"github.com/graylane/graylane/model"
)

// together checks the units with each other, as the pipeline will check
// the whole model (two TCP services cannot share a port, two gateways a
// port, for example). A unit a problem points at is rejected; this repeats
// until the units agree, at most a few times, after which the pipeline
// reports what is left.
func (b *builder) together(m *mapper, w *world, units []*unit, lanes []model.Lane) ([]*unit, []error) {
	var problems []error
	for range 3 {
		errs := model.Errors(validate(lanes, servicesOf(units), gatewaysOf(units)))
		if len(errs) == 0 {
			return units, problems
		}
		blamed := blame(units, errs)
		if len(blamed) == 0 {
			return units, append(problems, errs...)
		}
		var out []*unit
		for i, u := range units {
			if errs, ok := blamed[i]; ok {
				var more []error
				u, more = b.reject(m, w, u, errs, lanes, servicesOf(units))
				problems = append(problems, more...)
			}
			if u != nil {
				out = append(out, u)
			}
		}
		units = out
	}
	return units, problems
}

// blame tells which unit each problem is about, by the position it names.
func blame(units []*unit, errs []error) map[int][]error {
	out := map[int][]error{}
	for _, e := range errs {
		var me *model.Error
		if !errors.As(e, &me) {
			continue
		}
		for i, u := range units {
			if u.positions[me.Pos] {
				out[i] = append(out[i], e)
				break
			}
		}
	}
	return out
}

func servicesOf(units []*unit) []model.Service {
	var out []model.Service
	for _, u := range units {
		out = append(out, u.services...)
	}
	return out
}

func gatewaysOf(units []*unit) []model.Gateway {
	var out []model.Gateway
	for _, u := range units {
		out = append(out, u.gateways...)
	}
	return out
}
