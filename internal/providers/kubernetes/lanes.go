package kubernetes

import (
	"cmp"
	"fmt"
	"slices"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/model"
)

// laneResult is what became of one Lane: accepted, or not with its
// problems, and then whether its last accepted spec stays in effect; and
// the weight it takes, with how its weightFrom resolved.
type laneResult struct {
	name       string
	generation int64
	problems   []error
	kept       bool
	weight     model.Weight
	served     bool
	follows    *followResult
}

// acceptedLane is a lane as accepted: the model lane and the route its
// weight follows, if any.
type acceptedLane struct {
	Lane       model.Lane                   `json:"lane"`
	WeightFrom *graylanev1alpha1.WeightFrom `json:"weightFrom,omitempty"`
}

// acceptLanes converts the Lanes in order (spec.order, then name), each
// checked on its own and then with the lanes accepted before it. A Lane
// that is not valid keeps its last accepted spec when that is still valid,
// else it is left out. A lane's weightFrom is resolved against the routes
// as they are now, also for a last accepted spec.
func (b *builder) acceptLanes(w *world, routes *routeLookup) ([]model.Lane, []laneResult) {
	objs := slices.Clone(w.lanes)
	slices.SortStableFunc(objs, func(a, b graylanev1alpha1.Lane) int {
		return cmp.Or(cmp.Compare(a.Spec.Order, b.Spec.Order), cmp.Compare(a.Name, b.Name))
	})
	var accepted []model.Lane
	results := make([]laneResult, 0, len(objs))
	seen := map[string]bool{}
	for i := range objs {
		lane, res := b.acceptLane(w, &objs[i], accepted, routes)
		if lane != nil {
			accepted = append(accepted, *lane)
			res.weight, res.served = lane.Weight, true
		}
		results = append(results, res)
		seen[objs[i].Name] = true
	}
	for name := range b.lanes {
		if !seen[name] {
			delete(b.lanes, name)
		}
	}
	return accepted, results
}

func (b *builder) acceptLane(w *world, obj *graylanev1alpha1.Lane, before []model.Lane, routes *routeLookup) (*model.Lane, laneResult) {
	res := laneResult{name: obj.Name, generation: obj.Generation}
	al, err := laneOf(obj)
	lane := al.Lane
	if err == nil {
		lane.Weight, res.follows = resolveWeight(al, routes)
		err = validate(append(slices.Clone(before), lane), nil, nil)
	}
	if err == nil {
		b.lanes[obj.Name] = al
		return &lane, res
	}
	res.problems = model.Errors(err)
	good, ok := b.lastLane(w, obj.Name)
	if !ok {
		return nil, res
	}
	lane = good.Lane
	lane.Weight, res.follows = resolveWeight(good, routes)
	if validate(append(slices.Clone(before), lane), nil, nil) != nil {
		return nil, res
	}
	res.kept = true
	return &lane, res
}

// resolveWeight is an accepted lane's weight: its own, or the share of the
// route it follows.
func resolveWeight(al acceptedLane, routes *routeLookup) (model.Weight, *followResult) {
	if al.WeightFrom == nil {
		return al.Lane.Weight, nil
	}
	f := routes.laneShare(al.Lane.Name, *al.WeightFrom)
	return f.weight, &f
}

// laneOf converts a Lane; a weight that does not parse, or both a weight
// and a weightFrom, are errors at spec.weight.
func laneOf(obj *graylanev1alpha1.Lane) (acceptedLane, error) {
	pos := objPos("Lane", obj)
	fields := map[string]string{"name": pos, "weight": pos + ": spec.weight", "sticky": pos + ": spec.sticky"}
	l := model.Lane{Name: obj.Name}
	if s := obj.Spec.Sticky; s != nil {
		l.Sticky = &model.Sticky{Header: s.Header, Cookie: s.Cookie}
		if s.MaxAge != nil {
			l.Sticky.CookieMaxAge = s.MaxAge.Duration
			fields["sticky.maxAge"] = pos + ": spec.sticky.maxAge"
		}
	}
	for i, m := range obj.Spec.Match {
		l.Match = append(l.Match, model.MatchRule{Header: nameValue(m.Header), Cookie: nameValue(m.Cookie)})
		fields[fmt.Sprintf("match[%d]", i)] = fmt.Sprintf("%s: spec.match[%d]", pos, i)
	}
	l.Origin = model.NewOrigin(pos, fields)
	al := acceptedLane{Lane: l, WeightFrom: obj.Spec.WeightFrom.DeepCopy()}
	if al.WeightFrom != nil {
		al.WeightFrom.Kind = cmp.Or(al.WeightFrom.Kind, kindHTTPRoute)
		if !obj.Spec.Weight.IsZero() {
			return al, &model.Error{Pos: fields["weight"], Subject: "lane " + obj.Name, Message: "weight and weightFrom exclude each other"}
		}
		return al, nil
	}
	w, err := obj.Spec.Weight.Hundredths()
	if err != nil {
		return al, &model.Error{Pos: fields["weight"], Subject: "lane " + obj.Name, Message: err.Error()}
	}
	al.Lane.Weight = model.Weight(w)
	return al, nil
}

func nameValue(nv *graylanev1alpha1.NameValue) *model.NameValue {
	if nv == nil {
		return nil
	}
	return &model.NameValue{Name: nv.Name, Value: nv.Value}
}
