package model

import (
	"reflect"
	"strings"
	"testing"
)

var originType = reflect.TypeFor[Origin]()

// TestEqualSeesEveryField changes, in turn, every field of a service (and
// of a gateway route) whose every field is set (every string, number,
// flag, list length, map entry, pointer and origin, however deep) and
// checks that Equal sees each change, so that a field added to the model
// and not to Equal fails here.
func TestEqualSeesEveryField(t *testing.T) {
	t.Run("service", func(t *testing.T) {
		seesEveryField(t, Service.deepCopy, (*Service).Equal, 60)
	})
	t.Run("gateway route", func(t *testing.T) {
		copyRoute := func(r GatewayRoute) GatewayRoute { return Gateway{Routes: []GatewayRoute{r}}.deepCopy().Routes[0] }
		seesEveryField(t, copyRoute, (*GatewayRoute).Equal, 30)
	})
	t.Run("service routing", func(t *testing.T) {
		endpoints := func(path string) bool { return strings.HasPrefix(path, ".Versions[0].Endpoints") }
		seesEveryField(t, Service.deepCopy, (*Service).SameRouting, 60, endpoints)
	})
}

// seesEveryField fails unless equal sees every change but those whose path
// ignored reports, which it must not see.
func seesEveryField[T any](t *testing.T, deepCopy func(T) T, equal func(*T, *T) bool, atLeast int, ignored ...func(string) bool) {
	var full T
	fill(t, reflect.ValueOf(&full).Elem())
	if same := deepCopy(full); !equal(&full, &same) || !reflect.DeepEqual(full, same) {
		t.Fatal("a copy is not Equal to the original")
	}
	count := &changer{t: t, at: -1}
	count.walk(reflect.ValueOf(&full).Elem(), "")
	if count.n < atLeast {
		t.Fatalf("walked %d fields, want at least %d", count.n, atLeast)
	}
	for i := range count.n {
		changed := deepCopy(full)
		c := &changer{t: t, at: i}
		c.walk(reflect.ValueOf(&changed).Elem(), "")
		if reflect.DeepEqual(full, changed) {
			t.Fatalf("change %d (%s) changed nothing", i, c.made)
		}
		ignore := len(ignored) > 0 && ignored[0](c.made)
		if same := equal(&full, &changed) && equal(&changed, &full); same != ignore {
			t.Errorf("a change of %s: equal %v, want %v", c.made, same, ignore)
		}
	}
}

func TestServiceEqualTakesNilForEmpty(t *testing.T) {
	a := Service{Name: "a", Versions: []Version{{Name: "v1"}}}
	b := Service{Name: "a", Versions: []Version{{Name: "v1", Endpoints: []Endpoint{}}}, Weights: map[string]Weight{}}
	if !a.Equal(&b) {
		t.Error("a nil list or map is not Equal to an empty one")
	}
}

// fill sets every field below v to a non-zero value.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	switch {
	case v.Type() == originType:
		v.Set(reflect.ValueOf(NewOrigin("a.yaml:1", map[string]string{"port": "a.yaml:2"})))
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i))
		}
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem())
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0))
	case v.Kind() == reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		fill(t, e)
		v.SetMapIndex(reflect.ValueOf("v1").Convert(v.Type().Key()), e)
	default:
		setLeaf(t, v, 1)
	}
}

// changer counts the changes it can make to a value (n), and makes the
// one numbered at, which it describes (made).
type changer struct {
	t     *testing.T
	at, n int
	made  string
}

func (c *changer) walk(v reflect.Value, path string) {
	t := c.t
	t.Helper()
	change := func(what string, f func()) {
		if c.n == c.at {
			c.made = path + " (" + what + ")"
			f()
		}
		c.n++
	}
	switch {
	case v.Type() == originType:
		change("origin", func() { v.Set(reflect.ValueOf(NewOrigin("b.yaml:9", nil))) })
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			c.walk(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case v.Kind() == reflect.Pointer:
		e := v.Elem()
		change("nil", func() { v.Set(reflect.Zero(v.Type())) })
		c.walk(e, path)
	case v.Kind() == reflect.Slice:
		change("longer", func() { v.Set(reflect.Append(v, v.Index(0))) })
		c.walk(v.Index(0), path+"[0]")
	case v.Kind() == reflect.Map:
		key := v.MapKeys()[0]
		change("entry added", func() { v.SetMapIndex(reflect.ValueOf("v2").Convert(key.Type()), v.MapIndex(key)) })
		e := reflect.New(v.Type().Elem()).Elem()
		e.Set(v.MapIndex(key))
		if e.Kind() != reflect.Uint32 {
			t.Fatalf("%s: a map of %s; teach this test to change one", path, e.Type())
		}
		change("entry changed", func() { setLeaf(t, e, 2); v.SetMapIndex(key, e) })
	default:
		change("value", func() { setLeaf(t, v, 2) })
	}
}

func setLeaf(t *testing.T, v reflect.Value, x int) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(string(rune('a' + x)))
	case reflect.Bool:
		v.SetBool(x == 1)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(x))
	case reflect.Uint32, reflect.Uint8:
		v.SetUint(uint64(x))
	default:
		t.Fatalf("a field of kind %s; teach this test to set one", v.Kind())
	}
}
