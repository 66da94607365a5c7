package web

import (
	"net/http"

	"github.com/joinedup/joinedup/store"
)

// practiceRolloutJSON is a practice with its roll-out, as the
// administrator sees it. Dates are YYYY-MM-DD, "" when not set.
type practiceRolloutJSON struct {
	ID       string             `json:"id"`
	ODS      string             `json:"ods"`
	Name     string             `json:"name"`
	Locality string             `json:"locality"`
	Pilot    string             `json:"pilot"`
	GoLive   string             `json:"go_live"`
	Wave     string             `json:"wave"`
	Version  int                `json:"version"`
	History  []rolloutEntryJSON `json:"history"`
}

// rolloutEntryJSON is one change of a practice's roll-out.
type rolloutEntryJSON struct {
	Version int    `json:"version"`
	Pilot   string `json:"pilot"`
	GoLive  string `json:"go_live"`
	Wave    string `json:"wave"`
	By      string `json:"by"`
	At      string `json:"at"`
	Reason  string `json:"reason"`
}

func toPracticeRolloutJSON(p store.PracticeRollout, hist []store.Rollout) practiceRolloutJSON {
	out := practiceRolloutJSON{ID: p.PracticeID, ODS: p.ODS, Name: p.Name, Locality: p.LocalityName, Pilot: dateOrEmpty(p.Rollout.Pilot),
		GoLive: dateOrEmpty(p.Rollout.GoLive), Wave: p.Rollout.Wave, Version: p.Rollout.Version, History: []rolloutEntryJSON{}}
	for _, h := range hist {
		if h.PracticeID == p.PracticeID {
			out.History = append(out.History, rolloutEntryJSON{Version: h.Version, Pilot: dateOrEmpty(h.Pilot), GoLive: dateOrEmpty(h.GoLive),
				Wave: h.Wave, By: h.ByName, At: h.At.Format("2006-01-02T15:04:05Z07:00"), Reason: h.Reason})
		}
	}
	return out
}

// listPracticeRollouts lists every practice with its roll-out and its
// history, newest change first.
func (s *Server) listPracticeRollouts(c *Call) error {
	ps, err := store.PracticeRollouts(c.R.Context(), c.Q)
	if err != nil {
		return err
	}
	hist, err := store.RolloutHistory(c.R.Context(), c.Q, "")
	if err != nil {
		return err
	}
	out := make([]practiceRolloutJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, toPracticeRolloutJSON(p, hist))
	}
	return c.JSON(http.StatusOK, map[string]any{"practices": out})
}

// setRolloutRequest is the body of PUT /api/practices/{practice}/rollout.
type setRolloutRequest struct {
	Pilot  string `json:"pilot"`
	GoLive string `json:"go_live"`
	Wave   string `json:"wave"`
	Reason string `json:"reason"`
}

// setPracticeRollout sets a practice's pilot and go-live dates and wave
// (the practice by id or ODS code) and answers with the practice as it now
// is.
func (s *Server) setPracticeRollout(c *Call) error {
	var req setRolloutRequest
	if err := decodeJSON(c.R, &req); err != nil {
		return err
	}
	r, err := s.coord.SetRollout(c.R.Context(), c.Actor(), c.R.PathValue("practice"), req.Pilot, req.GoLive, req.Wave, req.Reason)
	if err != nil {
		return err
	}
	p, err := store.PracticeRolloutOf(c.R.Context(), c.Q, r.PracticeID)
	if err != nil {
		return err
	}
	hist, err := store.RolloutHistory(c.R.Context(), c.Q, r.PracticeID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPracticeRolloutJSON(p, hist))
}
