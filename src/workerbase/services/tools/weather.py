"""The ai-chatbot's sample tool: the weather at a place, from Open-Meteo's free forecast API (no key;
`WEATHER_API_URL` points it elsewhere, as the tests do), through the HttpClient port."""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import urlencode

from pydantic import BaseModel, Field

from workerbase.errors import BindingUnavailable
from workerbase.ports import HttpClient, HttpRequest
from workerbase.services.tools import ToolContext, ToolError

MAX_ANSWER_BYTES = 256 * 1024


class WeatherInput(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class GetWeather:
    name: ClassVar[str] = "getWeather"
    description: ClassVar[str] = "Get the current weather and today's forecast at a location."
    Input: ClassVar[type[BaseModel]] = WeatherInput

    def __init__(self, http: HttpClient, api_url: str) -> None:
        self._http = http
        self._api_url = api_url

    async def run(self, arguments: WeatherInput, context: ToolContext) -> Any:
        query = urlencode(
            {
                "latitude": arguments.latitude,
                "longitude": arguments.longitude,
                "current": "temperature_2m",
                "hourly": "temperature_2m",
                "daily": "sunrise,sunset",
                "timezone": "auto",
            }
        )
        try:
            response = await self._http.open(HttpRequest("GET", f"{self._api_url}?{query}"))
        except BindingUnavailable as exc:
            raise ToolError(f"the weather service could not be reached ({exc})") from exc
        body = b""
        try:
            async for chunk in response.chunks():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise ToolError("the weather service answered more than expected")
        finally:
            await response.aclose()
        if response.status != 200:
            raise ToolError(f"the weather service answered {response.status}")
        try:
            return json.loads(body)
        except ValueError:
            raise ToolError("the weather service answered something that is not JSON") from None
