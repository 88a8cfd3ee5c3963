"""The demo city (示例市) composed from every app's demo builder: `luoshi demo`.

This app sits on top of all the others and has no models: its command makes one
DemoContext (luoshi.lib.demo) and calls each installed app's `luoshi.<app>.demo.build`.
"""
