package fakes

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestScript: faults are taken in order, n times each, by their route or
// by any route; a folding script matches routes without regard to case;
// a route's own delay wins over the one for every route; what is left is
// listed for Verify.
func TestScript(t *testing.T) {
	s := script[int]{fold: true}
	s.failNext("sendMessage", 2, 429)
	s.failNext("", 1, 500)
	var got []string
	for _, route := range []string{"getMe", "SENDMESSAGE", "sendmessage", "sendMessage", "getMe"} {
		f, ok := s.pop(route)
		got = append(got, route+"="+strconv.Itoa(f)+"/"+strconv.FormatBool(ok))
	}
	want := []string{"getMe=500/true", "SENDMESSAGE=429/true", "sendmessage=429/true", "sendMessage=0/false", "getMe=0/false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pops (-want +got):\n%s", diff)
	}

	exact := script[int]{}
	exact.failNext("/a", 3, 1)
	if _, ok := exact.pop("/A"); ok {
		t.Error("a script without fold matched a route of another case")
	}
	if diff := cmp.Diff([]string{"3 scripted 1 for /a unused"}, exact.unused(strconv.Itoa, "any route")); diff != "" {
		t.Errorf("unused (-want +got):\n%s", diff)
	}

	s.setDelay("", time.Second)
	s.setDelay("GetUpdates", time.Minute)
	if d := s.delay("getupdates"); d != time.Minute {
		t.Errorf("delay of getupdates = %s, want its own 1m", d)
	}
	if d := s.delay("getMe"); d != time.Second {
		t.Errorf("delay of getMe = %s, want every route's 1s", d)
	}
	s.setDelay("getUpdates", 0)
	if d := s.delay("getUpdates"); d != time.Second {
		t.Errorf("delay after removing getUpdates' own = %s, want 1s", d)
	}
}
