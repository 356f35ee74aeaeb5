package fakes

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// script is what a test scripted for a fake's calls: faults that answer
// the next calls of a route instead of serving them, and delays that hold
// a route's calls back. A route is a REST route template (Discord) or a
// Bot API method (Telegram, matched without regard to case: fold); ""
// stands for every route. The fake holds its own lock around every use.
type script[F any] struct {
	fold   bool
	faults []scripted[F]
	delays map[string]time.Duration
}

// scripted is one FailNext: fault f for the next n calls of route.
type scripted[F any] struct {
	route string
	n     int
	f     F
}

// key is route as the delays map holds it.
func (s *script[F]) key(route string) string {
	if s.fold {
		return strings.ToLower(route)
	}
	return route
}

// failNext queues fault f for the next n calls of route.
func (s *script[F]) failNext(route string, n int, f F) {
	s.faults = append(s.faults, scripted[F]{route: route, n: n, f: f})
}

// pop takes the first queued fault that applies to route, if any.
func (s *script[F]) pop(route string) (F, bool) {
	for i := range s.faults {
		sc := &s.faults[i]
		if sc.route != "" && s.key(sc.route) != s.key(route) {
			continue
		}
		f := sc.f
		sc.n--
		if sc.n <= 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f, true
	}
	var zero F
	return zero, false
}

// setDelay holds route's later calls back by d; 0 removes the delay.
func (s *script[F]) setDelay(route string, d time.Duration) {
	if d <= 0 {
		delete(s.delays, s.key(route))
		return
	}
	if s.delays == nil {
		s.delays = map[string]time.Duration{}
	}
	s.delays[s.key(route)] = d
}

// delay is how long a call of route is held back: its own delay, else the
// one for every route.
func (s *script[F]) delay(route string) time.Duration {
	if d, ok := s.delays[s.key(route)]; ok {
		return d
	}
	return s.delays[""]
}

// unused describes each fault still queued, for Verify: "<n> scripted
// <what(f)> for <route>", every route being called anyRoute.
func (s *script[F]) unused(what func(F) string, anyRoute string) []string {
	var out []string
	for _, sc := range s.faults {
		r := sc.route
		if r == "" {
			r = anyRoute
		}
		out = append(out, fmt.Sprintf("%d scripted %s for %s unused", sc.n, what(sc.f), r))
	}
	return out
}
