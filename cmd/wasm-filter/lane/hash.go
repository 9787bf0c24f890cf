package lane

const (
	fnvOffset64 uint64 = 14695981039346656037
	fnvPrime64  uint64 = 1099511628211
)

// Hash is the sticky hash of a lane: 64-bit FNV-1a over the lane name, one
// zero byte and the sticky key, followed by the MurmurHash3 fmix64
// finalizer. A request enters the lane by weight when
// Hash(lane, key) % Buckets is below the lane's threshold.
//
// The finalizer matters: raw FNV-1a states of lane names that differ in one
// byte ("lane1", "lane2") stay correlated in the low bits that mod 10000
// reads, which skews the shares of later lanes by several points.
func Hash(lane, key string) uint64 {
	return hashKey(laneSeed(lane), key)
}

// laneSeed is the FNV-1a state after the lane name and the zero separator,
// computed once per lane when a Table is built.
func laneSeed(lane string) uint64 {
	h := fnvOffset64
	for i := 0; i < len(lane); i++ {
		h ^= uint64(lane[i])
		h *= fnvPrime64
	}
	return h * fnvPrime64 // the zero separator: h ^= 0 leaves h unchanged
}

// hashKey continues FNV-1a from a lane seed over the sticky key and
// finalizes the result.
func hashKey(seed uint64, key string) uint64 {
	h := seed
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= fnvPrime64
	}
	return fmix64(h)
}

// fmix64 is the MurmurHash3 64-bit finalizer: every input bit affects every
// output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
