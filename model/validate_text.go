package model

import (
	"reflect"
	"unicode/utf8"
)

// text reports the first string of x, a part of the model, that is not
// valid UTF-8. Protocol buffers carry text as UTF-8: gRPC clients and
// Envoy refuse a message whose text is not, and go-control-plane cannot
// encode it. Services and lanes are checked, a service when it changed;
// a gateway, checked in full on every change, is not: gateways come from
// YAML, whose file source refuses binary values, or from Gateway API
// objects, whose JSON is UTF-8.
func (v *validator) text(pos, subject string, x any) {
	if bad, ok := notUTF8(reflect.ValueOf(x)); ok {
		v.p.add(pos, subject, "text %s is not valid UTF-8", Quote(bad))
	}
}

// positionType is skipped by notUTF8: positions name files, whose names
// need not be UTF-8, and are never sent.
var positionType = reflect.TypeFor[Origin]()

// notUTF8 is the first string that is not valid UTF-8 in x, following
// pointers, interfaces, slices, maps and struct fields (the model has no
// cycles); byte slices are not text.
func notUTF8(x reflect.Value) (string, bool) {
	if x.Type() == positionType {
		return "", false
	}
	switch x.Kind() {
	case reflect.String:
		return x.String(), !utf8.ValidString(x.String())
	case reflect.Pointer, reflect.Interface:
		if !x.IsNil() {
			return notUTF8(x.Elem())
		}
	case reflect.Slice, reflect.Array:
		if x.Type().Elem().Kind() != reflect.Uint8 {
			return firstNotUTF8(x.Len(), x.Index)
		}
	case reflect.Map:
		return mapNotUTF8(x)
	case reflect.Struct:
		return firstNotUTF8(x.NumField(), x.Field)
	}
	return "", false
}

// firstNotUTF8 is the first string not valid UTF-8 among n elements.
func firstNotUTF8(n int, at func(int) reflect.Value) (string, bool) {
	for i := range n {
		if bad, ok := notUTF8(at(i)); ok {
			return bad, true
		}
	}
	return "", false
}

// mapNotUTF8 is the least string not valid UTF-8 among a map's keys and
// values, the same whatever order the map is read in.
func mapNotUTF8(m reflect.Value) (least string, found bool) {
	for it := m.MapRange(); it.Next(); {
		for _, x := range []reflect.Value{it.Key(), it.Value()} {
			if bad, ok := notUTF8(x); ok && (!found || bad < least) {
				least, found = bad, true
			}
		}
	}
	return least, found
}
