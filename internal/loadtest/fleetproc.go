package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"time"
)

// fleet is what a run drives: a Fleet in this process, or one in a
// process of its own.
type fleet interface {
	Connect(ctx context.Context, n int) error
	Sync(ctx context.Context, timeout time.Duration) (SyncReport, error)
	Arm(ctx context.Context, e *Expect) error
	Settle(ctx context.Context, quiet, timeout time.Duration) (ChangeReport, error)
	Close() error
}

var (
	_ fleet = (*Fleet)(nil)
	_ fleet = (*fleetProcess)(nil)
)

// Launcher returns the command that runs a fleet process: one that calls
// ServeFleet with its standard input and output (`xds bench fleet`).
type Launcher func(ctx context.Context) *exec.Cmd

// command is a request to a fleet process; reply its answer.
type command struct {
	Op      string        `json:"op"`
	Plan    *Plan         `json:"plan,omitempty"`
	N       int           `json:"n,omitempty"`
	Expect  *Expect       `json:"expect,omitempty"`
	Quiet   time.Duration `json:"quiet,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
}

type reply struct {
	Sync   *SyncReport   `json:"sync,omitempty"`
	Change *ChangeReport `json:"change,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// ServeFleet runs a fleet for the process that launched this one: it reads
// commands from in, one JSON object a line, and writes each answer to out.
// It returns when in ends, closing the fleet.
func ServeFleet(ctx context.Context, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	var f *Fleet
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for {
		var cmd command
		if err := dec.Decode(&cmd); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a command: %w", err)
		}
		r, err := serve(ctx, &f, cmd)
		if err != nil {
			r.Error = err.Error()
		}
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("answering: %w", err)
		}
	}
}

func serve(ctx context.Context, f **Fleet, cmd command) (reply, error) {
	if cmd.Op != "start" && *f == nil {
		return reply{}, fmt.Errorf("%s before start", cmd.Op)
	}
	switch cmd.Op {
	case "start":
		if *f != nil || cmd.Plan == nil {
			return reply{}, errors.New("start: once, with a plan")
		}
		var err error
		*f, err = StartFleet(ctx, *cmd.Plan)
		return reply{}, err
	case "connect":
		return reply{}, (*f).Connect(ctx, cmd.N)
	case "sync":
		s, err := (*f).Sync(ctx, cmd.Timeout)
		return reply{Sync: &s}, err
	case "arm":
		return reply{}, (*f).Arm(ctx, cmd.Expect)
	case "settle":
		c, err := (*f).Settle(ctx, cmd.Quiet, cmd.Timeout)
		return reply{Change: &c}, err
	}
	return reply{}, fmt.Errorf("unknown command %q", cmd.Op)
}

// fleetProcess drives a fleet in a process of its own.
type fleetProcess struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	enc *json.Encoder
	dec *json.Decoder
}

// startFleetProcess launches a fleet process and starts the plan in it.
func startFleetProcess(ctx context.Context, launch Launcher, plan Plan) (*fleetProcess, error) {
	cmd := launch(ctx)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the fleet process: %w", err)
	}
	p := &fleetProcess{cmd: cmd, in: in, enc: json.NewEncoder(in), dec: json.NewDecoder(bufio.NewReader(out))}
	if _, err := p.call(command{Op: "start", Plan: &plan}); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	return p, nil
}

// call sends a command and waits for its answer.
func (p *fleetProcess) call(cmd command) (reply, error) {
	if err := p.enc.Encode(cmd); err != nil {
		return reply{}, fmt.Errorf("fleet process: %w", err)
	}
	var r reply
	if err := p.dec.Decode(&r); err != nil {
		return reply{}, fmt.Errorf("fleet process: %w", err)
	}
	if r.Error != "" {
		return r, fmt.Errorf("fleet process: %s: %s", cmd.Op, r.Error)
	}
	return r, nil
}

func (p *fleetProcess) Connect(_ context.Context, n int) error {
	_, err := p.call(command{Op: "connect", N: n})
	return err
}

func (p *fleetProcess) Sync(_ context.Context, timeout time.Duration) (SyncReport, error) {
	r, err := p.call(command{Op: "sync", Timeout: timeout})
	if err == nil && r.Sync == nil {
		err = errors.New("fleet process: no sync report")
	}
	if err != nil {
		return SyncReport{}, err
	}
	return *r.Sync, nil
}

func (p *fleetProcess) Arm(_ context.Context, e *Expect) error {
	_, err := p.call(command{Op: "arm", Expect: e})
	return err
}

func (p *fleetProcess) Settle(_ context.Context, quiet, timeout time.Duration) (ChangeReport, error) {
	r, err := p.call(command{Op: "settle", Quiet: quiet, Timeout: timeout})
	if err == nil && r.Change == nil {
		err = errors.New("fleet process: no change report")
	}
	if err != nil {
		return ChangeReport{}, err
	}
	return *r.Change, nil
}

// Close ends the fleet process: its input ends, and it closes the fleet.
func (p *fleetProcess) Close() error {
	err := p.in.Close()
	return errors.Join(err, p.cmd.Wait())
}
