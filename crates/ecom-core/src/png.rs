//! A minimal PNG encoder for black-and-white images, and base64 for `data:` URLs.
//!
//! A QR code needs nothing more than 1-bit grayscale, and pulling in an image crate for it
//! would cost the browser bundle far more than these few dozen lines. The image data goes in
//! stored (uncompressed) deflate blocks, which every zlib reader accepts; the file is larger
//! than a compressed one, but a QR code is small anyway and the encoder stays trivially
//! correct. The CRC-32 table is built on each call (2,048 steps) rather than stored, to keep
//! 1 KB of table out of the bundle.

/// The PNG file signature.
const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
/// The most bytes one stored deflate block can hold.
const STORED_MAX: usize = 0xffff;

/// One scanline of a black-and-white image as PNG stores it: filter type 0 (none), then the
/// pixels packed 8 to a byte, a set bit being white; `dark(x)` says which pixels are black.
pub fn scanline(width: usize, dark: impl Fn(usize) -> bool) -> Vec<u8> {
    let mut line = vec![0u8; 1 + width.div_ceil(8)];
    for x in 0..width {
        if !dark(x) {
            line[1 + x / 8] |= 0x80 >> (x % 8);
        }
    }
    line
}

/// Encodes a `width` × `height` black-and-white image (1-bit grayscale, not interlaced) as
/// PNG, from its `height` [`scanline`]s laid end to end.
///
/// # Panics
/// If `scanlines` is not `height` scanlines of `width` pixels, or a side exceeds `u32`.
pub fn encode(width: usize, height: usize, scanlines: &[u8]) -> Vec<u8> {
    assert_eq!(
        scanlines.len(),
        (1 + width.div_ceil(8)) * height,
        "height scanlines of width pixels"
    );
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&dimension(width));
    ihdr.extend_from_slice(&dimension(height));
    // Bit depth 1, colour type 0 (grayscale), deflate, filter method 0, no interlace.
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);

    let mut png = Vec::with_capacity(scanlines.len() + scanlines.len() / STORED_MAX * 5 + 64);
    png.extend_from_slice(&SIGNATURE);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib_stored(scanlines));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn dimension(n: usize) -> [u8; 4] {
    u32::try_from(n)
        .expect("image dimensions fit a u32")
        .to_be_bytes()
}

/// Appends one chunk: length, type, data, and the CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&dimension(data.len()));
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored deflate blocks (RFC 1950/1951).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let blocks = data.len().div_ceil(STORED_MAX).max(1);
    let mut out = Vec::with_capacity(data.len() + blocks * 5 + 6);
    // CM 8 (deflate), 32 KB window; FLEVEL 0; FCHECK makes the pair a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut rest = data;
    loop {
        let take = rest.len().min(STORED_MAX);
        let (block, tail) = rest.split_at(take);
        let len = u16::try_from(take).expect("stored blocks hold at most 65535 bytes");
        out.push(u8::from(tail.is_empty())); // BFINAL on the last block, BTYPE 00 (stored)
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
        rest = tail;
        if rest.is_empty() {
            break;
        }
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), as PNG chunks use.
fn crc32(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (n, entry) in (0u32..).zip(table.iter_mut()) {
        let mut c = n;
        for _ in 0..8 {
            c = (c >> 1) ^ (0xedb8_8320 & (c & 1).wrapping_neg());
        }
        *entry = c;
    }
    let mut crc = !0u32;
    for byte in data {
        crc = table[usize::from((crc as u8) ^ byte)] ^ (crc >> 8);
    }
    !crc
}

/// Adler-32, the checksum of a zlib stream.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the longest run whose sums cannot overflow a u32 before the modulo.
    for run in data.chunks(5552) {
        for byte in run {
            a += u32::from(*byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for group in data.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A `data:image/png;base64,…` URL of a PNG file, for a download link.
pub fn data_url(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64(png))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn checksums_match_the_reference_values() {
        // The check values of the CRC catalogue and of RFC 1950's Adler-32 ("Wikipedia").
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(b""), 1);
        // Long runs of 0xff would overflow without the periodic modulo.
        let long = vec![0xffu8; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for byte in &long {
            a = (a + u64::from(*byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(u64::from(adler32(&long)), (b << 16) | a);
    }

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert!(data_url(&[0x89]).starts_with("data:image/png;base64,iQ=="));
    }

    /// Encodes a `width` × `height` black-and-white image as PNG; `dark(x, y)` says which pixels
    /// are black.
    ///
    /// # Panics
    /// As [`encode`].
    fn encode_bilevel(width: usize, height: usize, dark: impl Fn(usize, usize) -> bool) -> Vec<u8> {
        let scanlines: Vec<u8> = (0..height)
            .flat_map(|y| scanline(width, |x| dark(x, y)))
            .collect();
        encode(width, height, &scanlines)
    }

    fn decode(png: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png.to_vec()))
            .read_info()
            .unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        pixels.truncate(info.buffer_size());
        (info, pixels)
    }

    #[test]
    fn a_reference_decoder_reads_back_every_pixel() {
        // 13 pixels wide: the last byte of each row is partly padding.
        let (w, h) = (13, 7);
        let dark = |x: usize, y: usize| (x * 3 + y).is_multiple_of(5);
        let png = encode_bilevel(w, h, dark);
        let (info, pixels) = decode(&png);
        assert_eq!((info.width, info.height), (13, 7));
        assert_eq!(info.bit_depth, png::BitDepth::One);
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        for y in 0..h {
            for x in 0..w {
                let bit = pixels[y * info.line_size + x / 8] >> (7 - x % 8) & 1;
                assert_eq!(bit == 0, dark(x, y), "pixel {x},{y}");
            }
        }
    }

    #[test]
    fn images_larger_than_one_stored_block_decode() {
        // 1200 × 500 px is about 75 KB of scanlines: two stored blocks.
        let png = encode_bilevel(1200, 500, |x, y| x == y);
        assert!(png.len() > STORED_MAX);
        let (info, pixels) = decode(&png);
        assert_eq!(info.height, 500);
        assert_eq!(pixels[0] >> 7, 0, "the first pixel is dark");
        assert_eq!(pixels[0] >> 6 & 1, 1, "its neighbour is light");
        let last = 499 * info.line_size + 499 / 8;
        assert_eq!(pixels[last] >> (7 - 499 % 8) & 1, 0);
    }
}
