package notify

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestEachGoesPastFailures(t *testing.T) {
	fail := map[string]error{
		"b": Permanentf("b refused"),
		"c": Transient(errors.New("c busy"), 3*time.Second),
		"d": Transient(errors.New("d busy"), time.Second),
	}
	var tried []string
	res, err := Each(context.Background(), []string{"a", "b", "c", "a", "d", "e", "done"}, []string{"done"}, func(d string) error {
		tried = append(tried, d)
		return fail[d]
	})
	if want := []string{"a", "b", "c", "d", "e"}; !reflect.DeepEqual(tried, want) {
		t.Errorf("tried %v, want %v (each once, none already done)", tried, want)
	}
	if res.Sent != 2 || !reflect.DeepEqual(res.Done, []string{"a", "e"}) {
		t.Errorf("result %+v, want a and e", res)
	}
	class, after := Classify(err)
	if class != ClassTransient || after != 3*time.Second || err.Error() != "b refused; c busy; d busy" {
		t.Errorf("error %q (%s after %s), want transient after the longest delay asked, on one line", err, class, after)
	}
}

func TestEachAllPermanent(t *testing.T) {
	_, err := Each(context.Background(), []string{"a", "b"}, nil, func(d string) error { return Permanentf("%s refused", d) })
	if class, _ := Classify(err); class != ClassPermanent {
		t.Errorf("error %v is %s, want permanent", err, class)
	}
}

func TestEachStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Each(ctx, []string{"a"}, nil, func(string) error { t.Fatal("sent after cancel"); return nil })
	if class, _ := Classify(err); err == nil || class != ClassTransient || res.Sent != 0 {
		t.Errorf("Each = %+v, %v; want nothing sent, transient", res, err)
	}
}
