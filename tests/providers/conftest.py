from tests.fakes.fixtures import *  # noqa: F401,F403  (fake_openai, fake_gemini, ... fixtures)
