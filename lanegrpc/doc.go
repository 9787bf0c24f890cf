// Package lanegrpc carries Graylane's release lane through Go gRPC
// applications, so that a request the edge put into a lane stays in it on
// every later hop.
//
// Graylane's edge filter puts each request into a lane and writes it in two
// carriers: the lane header (default "x-canary") and the member
// "graylane-lane=<lane>" of the W3C baggage header. Every hop routes on
// either; when both are present the lane header wins. An application keeps a
// request in its lane by sending the lane on the calls it makes while serving
// it. OpenTelemetry does that for baggage, but a proxyless grpc-go client
// picks its route (in the xDS config selector) before a stats handler such as
// otelgrpc's adds the baggage header, so the route of the call would not see
// the lane. The client interceptors here put the lane on the call's metadata
// before the route is picked.
//
// Servers install UnaryServerInterceptor and StreamServerInterceptor, which
// read the lane of an incoming call (lane header, else baggage member) into
// its context; clients install UnaryClientInterceptor and
// StreamClientInterceptor, which put the lane of the context on the outgoing
// call:
//
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(lanegrpc.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(lanegrpc.StreamServerInterceptor()))
//	conn, err := grpc.NewClient("xds:///ratings.shop:9090", creds,
//		grpc.WithChainUnaryInterceptor(lanegrpc.UnaryClientInterceptor()),
//		grpc.WithChainStreamInterceptor(lanegrpc.StreamClientInterceptor()))
//
// and pass the handler's context to the calls it makes.
//
// The client interceptors take the lane from, in order: the call's own
// outgoing metadata (an explicit per-call lane), the context (WithLane or the
// server interceptor), the incoming metadata of a server context passed on
// as is, and the OpenTelemetry baggage of the context. They set the lane
// header, set the lane member in the outgoing baggage metadata (replacing
// any other member of the key, keeping the other members), and set the same
// member in the context's OpenTelemetry baggage. An OpenTelemetry propagator
// that later writes the baggage header (otelgrpc's stats handler does,
// replacing the metadata value) then writes the member once, with the same
// lane. A call whose context has no lane is left untouched.
//
// The server interceptors trust the lane of incoming calls: install them on
// servers that Graylane's edge (or a hop behind it) calls, not on servers
// that clients reach directly.
package lanegrpc
