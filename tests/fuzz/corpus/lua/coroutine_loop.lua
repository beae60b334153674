return {name='industry', title='t', evaluate=function() local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end end}
