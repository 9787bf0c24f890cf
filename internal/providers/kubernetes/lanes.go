package kubernetes

import (
	"cmp"
	"fmt"
	"slices"

	graylanev1alpha1 "github.com/graylane/graylane/api/v1alpha1"
	"github.com/graylane/graylane/model"
)

// laneResult is what became of one Lane: accepted, or not with its
// problems, and then whether its last accepted spec stays in effect.
type laneResult struct {
	name       string
	generation int64
	problems   []error
	kept       bool
}

// acceptLanes converts the Lanes in order (spec.order, then name), each
// checked on its own and then with the lanes accepted before it. A Lane
// that is not valid keeps its last accepted spec when that is still valid,
// else it is left out.
func (b *builder) acceptLanes(objs []graylanev1alpha1.Lane) ([]model.Lane, []laneResult) {
	objs = slices.Clone(objs)
	slices.SortStableFunc(objs, func(a, b graylanev1alpha1.Lane) int {
		return cmp.Or(cmp.Compare(a.Spec.Order, b.Spec.Order), cmp.Compare(a.Name, b.Name))
	})
	var accepted []model.Lane
	results := make([]laneResult, 0, len(objs))
	seen := map[string]bool{}
	for i := range objs {
		lane, res := b.acceptLane(&objs[i], accepted)
		if lane != nil {
			accepted = append(accepted, *lane)
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

func (b *builder) acceptLane(obj *graylanev1alpha1.Lane, before []model.Lane) (*model.Lane, laneResult) {
	res := laneResult{name: obj.Name, generation: obj.Generation}
	lane, err := laneOf(obj)
	if err == nil {
		err = validate(append(slices.Clone(before), lane), nil)
	}
	if err == nil {
		b.lanes[obj.Name] = lane
		return &lane, res
	}
	res.problems = model.Errors(err)
	if good, ok := b.lanes[obj.Name]; ok && validate(append(slices.Clone(before), good), nil) == nil {
		res.kept = true
		return &good, res
	}
	return nil, res
}

// laneOf converts a Lane; a weight that does not parse is an error at
// spec.weight.
func laneOf(obj *graylanev1alpha1.Lane) (model.Lane, error) {
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
	w, err := obj.Spec.Weight.Weight()
	if err != nil {
		return l, &model.Error{Pos: fields["weight"], Subject: "lane " + obj.Name, Message: err.Error()}
	}
	l.Weight = w
	return l, nil
}

func nameValue(nv *graylanev1alpha1.NameValue) *model.NameValue {
	if nv == nil {
		return nil
	}
	return &model.NameValue{Name: nv.Name, Value: nv.Value}
}
