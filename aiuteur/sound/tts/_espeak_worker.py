"""Speak one line with libespeak-ng and write `rate (4 bytes LE) + 16-bit mono PCM` to stdout.

Run as its own process, one line per process, by `aiuteur.sound.tts.espeak`: libespeak-ng keeps
synthesis state between calls in one process (even across Terminate/Initialize), so the same
line said after a different one comes out a few samples different. A fresh process per line
makes every take depend on its own request only. Standard library only, so it starts in ~20 ms.

argv[1] is JSON: {"lib", "data", "voice", "wpm", "pitch", "range", "text"}.
"""
import ctypes
import json
import sys

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
RATE, PITCH, RANGE = 1, 3, 4
CHARS_UTF8 = 1


def main() -> int:
    request = json.loads(sys.argv[1])
    lib = ctypes.CDLL(request["lib"])
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, request["data"].encode(), INITIALIZE_DONT_EXIT)
    if rate <= 0:
        sys.stderr.write(f"espeak_Initialize failed ({rate}) with data at {request['data']}\n")
        return 2
    pcm = bytearray()
    callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

    def collect(wav, count, events):  # noqa: ARG001 - the C signature
        if count > 0 and wav:
            pcm.extend(ctypes.string_at(wav, count * 2))
        return 0

    callback = callback_type(collect)
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(request["voice"].encode()) != 0:
        sys.stderr.write(f"espeak-ng has no voice {request['voice']!r}\n")
        return 3
    lib.espeak_SetParameter(RATE, int(request["wpm"]), 0)
    lib.espeak_SetParameter(PITCH, int(request["pitch"]), 0)
    lib.espeak_SetParameter(RANGE, int(request["range"]), 0)
    lib.espeak_ng_SetRandSeed(ctypes.c_long(1))  # breath noise in some variants
    ctypes.CDLL(None).srand(1)
    text = request["text"].encode("utf-8")
    if lib.espeak_Synth(text, len(text) + 1, 0, 0, 0, CHARS_UTF8, None, None) != 0:
        sys.stderr.write("espeak_Synth failed\n")
        return 4
    lib.espeak_Synchronize()
    sys.stdout.buffer.write(int(rate).to_bytes(4, "little") + bytes(pcm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
