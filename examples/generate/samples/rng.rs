//! Python's `random.Random(<seed string>)`, bit for bit: the sample data was first written
//! by a Python generator and its bytes are the oracle, so the draws must be the same
//! Mersenne Twister (MT19937) stream, seeded and consumed exactly as CPython does.

use sha2::{Digest, Sha512};

const N: usize = 624;
const M: usize = 397;

/// `random.Random(seed)` for a string seed.
pub struct PyRandom {
    mt: [u32; N],
    index: usize,
}

impl PyRandom {
    /// `random.Random(s)`: seeding version 2 turns a string into the integer
    /// `int.from_bytes(s + sha512(s), "big")` and feeds its 32-bit words, least
    /// significant first, to `init_by_array`.
    pub fn new(seed: &str) -> PyRandom {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&Sha512::digest(seed.as_bytes()));
        // CPython uses as many words as the integer has bits: leading zero bytes of the
        // big-endian form do not count.
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let mut little: Vec<u8> = bytes[first..].iter().rev().copied().collect();
        if little.is_empty() {
            little.push(0);
        }
        while !little.len().is_multiple_of(4) {
            little.push(0);
        }
        let key: Vec<u32> = little
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mut r = PyRandom {
            mt: [0; N],
            index: N + 1,
        };
        r.init_by_array(&key);
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
        self.index = N;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)` for k <= 64: 32-bit words, least significant first, the last
    /// one cut to its top bits.
    fn getrandbits(&mut self, k: u32) -> u64 {
        if k == 0 {
            return 0;
        }
        let mut out = 0u64;
        let mut left = k;
        let mut shift = 0;
        while left > 0 {
            let mut r = self.next_u32() as u64;
            if left < 32 {
                r >>= 32 - left;
            }
            out |= r << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        out
    }

    /// `_randbelow(n)`: draw `n.bit_length()` bits, reject until below `n`.
    fn below(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `randrange(stop)`.
    pub fn randrange(&mut self, stop: i64) -> i64 {
        self.randrange2(0, stop)
    }

    /// `randrange(start, stop)`; an empty range draws nothing and gives `start` (Python
    /// raises; no caller asks for one).
    pub fn randrange2(&mut self, start: i64, stop: i64) -> i64 {
        if stop <= start {
            return start;
        }
        start + self.below((stop - start) as u64) as i64
    }

    /// `choice(seq)`.
    pub fn choice<'a, T>(&mut self, seq: &'a [T]) -> &'a T {
        &seq[self.below(seq.len() as u64) as usize]
    }

    /// `random()`: 53 bits from two words.
    pub fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }
}

#[cfg(test)]
mod tests {
    use super::PyRandom;

    /// The values CPython 3.11 gives for the same seeds and calls.
    #[test]
    fn draws_match_cpython() {
        let mut r = PyRandom::new("ticks/northwind/2026-06-27T03:12:09+00:00");
        let got: Vec<i64> = (0..3).map(|_| r.randrange(10_000_000)).collect();
        assert_eq!(got, [6_569_862, 9_798_338, 3_227_250]);
        let mut r = PyRandom::new("x");
        assert_eq!(r.random(), 0.630_787_717_663_907_8);
        assert_eq!(*r.choice(&[1, 2, 3, 4, 5]), 5);
        assert_eq!(r.randrange2(100_000_000, 1_000_000_000), 744_525_375);
        assert_eq!(r.randrange2(2, 9), 5);
        assert_eq!(PyRandom::new("").randrange(1000), 983);
    }
}
