"""PDF rendering with reportlab (DIN 5008 letters, notices, loan forms).

Built in a later issue; reportlab is imported here lazily so the window opens fast.
"""
